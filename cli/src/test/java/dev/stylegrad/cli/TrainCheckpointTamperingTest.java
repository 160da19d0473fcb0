package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.models.ModelFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training checkpoint whose {@code training.json} was edited (a position, a count, a loss) is refused on {@code --resume}
 * with exit 2 rather than resumed into a different run; a refused resume leaves the log of the run it meant to continue
 * as it was.
 */
class TrainCheckpointTamperingTest {
    @TempDir
    static Path dir;

    static HostileFeedForwardFiles files;
    static Path checkpoint, log;

    static List<String> train(String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--style", files.style.toString(), "--images", files.pictures.toString(),
                "--weights", ModelFixtures.MINI_VGG16.toString(), "--init-model", HostileFeedForwardFiles.NARROW.toString(),
                "--image-size", "32", "--batch-size", "2", "--out", dir.resolve("m.safetensors").toString()));
        a.addAll(List.of(more));
        return a;
    }

    @BeforeAll
    static void aCheckpointedRun() throws IOException {
        files = new HostileFeedForwardFiles(dir.resolve("inputs"));
        checkpoint = dir.resolve("ckpt");
        log = dir.resolve("log.jsonl");
        StylegradCliTest.Result r = run(train("--steps", "2", "--checkpoint", checkpoint.toString(), "--log-json", log.toString()).toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** A copy of the checkpoint with its manifest edited. */
    private static Path edited(String name, Consumer<ObjectNode> edit) throws IOException {
        Path copy = dir.resolve(name);
        try (Stream<Path> walk = Files.walk(checkpoint)) {
            for (Path p : walk.toList()) Files.copy(p, copy.resolve(checkpoint.relativize(p).toString()));
        }
        String current = Files.readString(copy.resolve("CURRENT")).trim();
        Path manifest = copy.resolve(current).resolve("training.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(manifest.toFile());
        edit.accept(m);
        json.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), m);
        return copy;
    }

    private static void refused(Path ckpt, String mustSay) throws IOException {
        String logBefore = Files.readString(log);
        StylegradCliTest.Result r = run(train("--steps", "4", "--resume", ckpt.toString(), "--log-json", log.toString()).toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(mustSay).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(Files.readString(log)).as("the log of the run it meant to continue").isEqualTo(logBefore);
    }

    @Test
    void anEditedPositionCountOrLossIsRefused() throws IOException {
        refused(edited("index", m -> m.put("index", 0)), "edited or damaged");
        refused(edited("count", m -> ((ObjectNode) m.get("adamCounts")).remove(m.get("adamCounts").fieldNames().next())), "edited or damaged");
        refused(edited("loss", m -> ((com.fasterxml.jackson.databind.node.ArrayNode) m.withArray("losses").get(0)).set(0, m.textNode("abc"))), "edited or damaged");
        refused(edited("huge", m -> m.put("index", 1_000_000_000_000L)), "edited or damaged");
    }

    @Test
    void aRefusedResumeLeavesTheLogAndANewRunIntoTheCheckpointIsAUsageError() throws IOException {
        String logBefore = Files.readString(log);
        StylegradCliTest.Result other = run(train("--steps", "4", "--lr", "0.5", "--resume", checkpoint.toString(), "--log-json", log.toString())
                .toArray(String[]::new));
        assertThat(other.code()).as(other.err()).isEqualTo(ExitCode.USAGE);
        assertThat(Files.readString(log)).isEqualTo(logBefore);
        StylegradCliTest.Result fresh = run(train("--steps", "4", "--checkpoint", checkpoint.toString()).toArray(String[]::new));
        assertThat(fresh.code()).isEqualTo(ExitCode.USAGE);
        assertThat(fresh.err()).contains("already holds a checkpoint");
    }
}
