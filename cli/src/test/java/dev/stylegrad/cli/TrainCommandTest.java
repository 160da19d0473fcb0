package dev.stylegrad.cli;

import dev.stylegrad.models.ModelFixtures;
import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code stylegrad train} on tiny data (the training fixture's pictures, the narrow transformer as --init-model, the mini
 * VGG16): the log, the plot, the model {@code apply} reads, a resume that logs as one run, and bad input.
 */
class TrainCommandTest {
    static final Path MINI_VGG16 = ModelFixtures.MINI_VGG16;
    static final Path NARROW = ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth");

    @TempDir
    Path dir;

    Path images, style;

    @BeforeEach
    void pictures() throws IOException {
        images = dir.resolve("pictures");
        Files.createDirectories(images);
        INDArray pictures = Npy.read(Path.of("../styletransfer/src/test/fixtures/training/pictures.npy"));
        for (int k = 0; k < 4; k++) {
            ImageFiles.write(Pictures.fromArray(pictures.get(NDArrayIndex.interval(k, k + 1)).dup('c')), images.resolve("p" + k + ".png"));
        }
        style = dir.resolve("style.png");
        ImageFiles.write(Pictures.fromArray(Npy.read(Path.of("../styletransfer/src/test/fixtures/training/style.npy"))), style);
    }

    private List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--style", style.toString(), "--images", images.toString(), "--weights", MINI_VGG16.toString(),
                "--init-model", NARROW.toString(), "--image-size", "32", "--batch-size", "2"));
        a.addAll(List.of(more));
        return a;
    }

    private static List<JsonNode> log(Path f) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) out.add(json.readTree(line));
        return out;
    }

    @Test
    void trainsLogsPlotsAndWritesAModelApplyReads() throws IOException {
        Path out = dir.resolve("m.safetensors"), logFile = dir.resolve("log.json"), plot = dir.resolve("loss.png");
        StylegradCliTest.Result r = run(args("--steps", "3", "--out", out.toString(), "--log-json", logFile.toString(), "--plot", plot.toString())
                .toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("done: 3 step(s)");
        List<JsonNode> lines = log(logFile);
        assertThat(lines).hasSize(3);
        for (int k = 0; k < 3; k++) {
            JsonNode n = lines.get(k);
            assertThat(n.get("step").asInt()).isEqualTo(k);
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("step", "content", "style", "total", "seconds");
            assertThat(n.get("total").asDouble()).isCloseTo(n.get("content").asDouble() + n.get("style").asDouble(),
                    org.assertj.core.data.Percentage.withPercentage(1e-4));
        }
        assertThat(lines.get(2).get("style").asDouble()).as("training lowers the style loss").isLessThan(lines.get(0).get("style").asDouble());
        assertThat(ImageFiles.read(plot, ImageFiles.DEFAULT_MAX_PIXELS).width()).isEqualTo(800);
        TransformerNet net = TransformerNet.load(out);
        assertThat(net.widths()).containsExactly(4, 8, 16);
        Path styled = dir.resolve("styled.png");
        StylegradCliTest.Result a = run("apply", "--model", out.toString(), "--content", images.resolve("p0.png").toString(), "--out", styled.toString());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(ImageFiles.read(styled, ImageFiles.DEFAULT_MAX_PIXELS).width()).isEqualTo(64);
    }

    @Test
    void aResumedRunLogsAndEndsAsTheUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole.safetensors"), wholeLog = dir.resolve("whole.json");
        assertThat(run(args("--steps", "3", "--out", whole.toString(), "--log-json", wholeLog.toString()).toArray(String[]::new)).code()).isZero();
        Path part = dir.resolve("part.safetensors"), partLog = dir.resolve("part.json"), ckpt = dir.resolve("ckpt");
        StylegradCliTest.Result first = run(args("--steps", "2", "--out", part.toString(), "--checkpoint", ckpt.toString()).toArray(String[]::new));
        assertThat(first.code()).as(first.err()).isZero();
        StylegradCliTest.Result again = run(args("--steps", "3", "--out", part.toString(), "--checkpoint", ckpt.toString()).toArray(String[]::new));
        assertThat(again.code()).as("a fresh run into a used checkpoint directory").isEqualTo(ExitCode.USAGE);
        assertThat(again.err()).contains("already holds a checkpoint; continue it with --resume");
        StylegradCliTest.Result rest = run(args("--steps", "3", "--out", part.toString(), "--resume", ckpt.toString(), "--log-json", partLog.toString())
                .toArray(String[]::new));
        assertThat(rest.code()).as(rest.err()).isZero();
        List<JsonNode> a = log(wholeLog), b = log(partLog);
        assertThat(b).hasSize(3);
        for (int k = 0; k < 3; k++) {
            for (String key : List.of("step", "content", "style", "total")) assertThat(b.get(k).get(key)).as("step %d %s", k, key).isEqualTo(a.get(k).get(key));
        }
        assertThat(Files.readAllBytes(part)).as("the same network, byte for byte").isEqualTo(Files.readAllBytes(whole));
        StylegradCliTest.Result other = run(args("--steps", "4", "--lr", "0.01", "--out", part.toString(), "--resume", ckpt.toString()).toArray(String[]::new));
        assertThat(other.code()).isEqualTo(ExitCode.USAGE);
        assertThat(other.err()).contains("lr: checkpoint 0.001, given 0.01");
    }

    @Test
    void badInputIsOneSentenceAndNoFile() throws IOException {
        Path out = dir.resolve("m.safetensors");
        StylegradCliTest.Result png = run(args("--steps", "1", "--out", dir.resolve("m.png").toString()).toArray(String[]::new));
        assertThat(png.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(png.err()).contains("name the file *.safetensors");
        StylegradCliTest.Result layer = run(args("--steps", "1", "--out", out.toString(), "--content-layer", "relu9_9").toArray(String[]::new));
        assertThat(layer.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(layer.err()).contains("no layer relu9_9 in vgg16");
        StylegradCliTest.Result both = run(args("--steps", "1", "--epochs", "1", "--out", out.toString()).toArray(String[]::new));
        assertThat(both.code()).isEqualTo(ExitCode.USAGE);
        StylegradCliTest.Result every = run(args("--steps", "1", "--save-every", "-1", "--out", out.toString()).toArray(String[]::new));
        assertThat(every.code()).isEqualTo(ExitCode.USAGE);
        assertThat(every.err()).contains("--save-every must be 0 or more, got -1");
        for (int k = 0; k < 4; k++) Files.writeString(images.resolve("p" + k + ".png"), "broken");
        StylegradCliTest.Result none = run(args("--steps", "1", "--out", out.toString()).toArray(String[]::new));
        assertThat(none.code()).as(none.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(none.err()).contains("skipped " + images.resolve("p0.png")).contains("none of the 4 pictures could be read");
        assertThat(out).doesNotExist();
        StylegradCliTest.Result vgg16 = run("train", "--style", style.toString(), "--images", images.toString(), "--out", out.toString(), "--steps", "1");
        assertThat(vgg16.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(vgg16.err()).contains("no VGG16 weights here; run `stylegrad weights fetch --model vgg16`").contains(TrainCommand.VGG16_URL);
    }
}
