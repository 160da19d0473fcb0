package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --checkpoint/--resume} in process on the mini VGG19: layout, exact continuation, refusals with exit 2. */
class RunCommandCheckpointTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        Backend.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** The run options of these tests (32 px keeps a step well under a second). */
    static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--weights", RunCommandTest.WEIGHTS, "--content", RunCommandTest.COURSE.resolve("content.png").toString(),
                "--style", RunCommandTest.COURSE.resolve("style.png").toString(), "--size", "32"));
        a.addAll(List.of(extra));
        return a;
    }

    private static StylegradCliTest.Result runWith(String... extra) {
        return run(args(extra).toArray(new String[0]));
    }

    static List<String> checkpointDirs(Path ckpt) throws IOException {
        try (Stream<Path> s = Files.list(ckpt)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
        }
    }

    @Test
    void checkpointIsWrittenEveryNStepsAndAtTheEndBehindAPointer() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        Files.createDirectories(ckpt.resolve("step-00000002-0badf00d")); // a crashed write's leftover
        StylegradCliTest.Result r = runWith("--steps", "6", "--checkpoint", ckpt.toString(), "--checkpoint-every", "2", "--out", dir.resolve("o.png").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("checkpoint after step 2").contains("checkpoint after step 4").contains("checkpoint after step 6");
        String current = Files.readString(ckpt.resolve(CheckpointStore.POINTER)).trim();
        assertThat(current).matches("step-00000006-[0-9a-f]{8}");
        assertThat(checkpointDirs(ckpt)).containsExactly(current); // older checkpoints and the leftover are gone
        try (Stream<Path> files = Files.list(ckpt.resolve(current))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("checkpoint.json", "image.npy", "opt-m.npy", "opt-v.npy");
        }
        var c = CheckpointStore.read(ckpt);
        assertThat(c.completedSteps()).isEqualTo(6);
        assertThat(c.losses()).hasSize(6);
        assertThat(c.optimizerState()).containsEntry("t", 6L);
        assertThat(c.image().shape()).containsExactly(1, 3, 23, 32);
        assertThat(c.fingerprint().values()).containsEntry("--size", "32").containsKeys("--content", "--style", "--weights", "--seed", "--lr");
    }

    /** A finished run extended with a higher --steps ends where one longer run ends; the log has no duplicates. */
    @Test
    void resumeContinuesToExactlyTheUninterruptedResult() throws Exception {
        Path straightOut = dir.resolve("straight.png"), straightLog = dir.resolve("straight.jsonl"), straightCkpt = dir.resolve("straight");
        assertThat(runWith("--steps", "8", "--checkpoint", straightCkpt.toString(), "--out", straightOut.toString(), "--log-json", straightLog.toString()).code()).isZero();

        Path out = dir.resolve("o.png"), log = dir.resolve("log.jsonl"), ckpt = dir.resolve("ckpt"), plot = dir.resolve("loss.png");
        assertThat(runWith("--steps", "4", "--checkpoint", ckpt.toString(), "--out", out.toString(), "--log-json", log.toString()).code()).isZero();
        // Lines a killed run logged after its checkpoint: the resumed log must not keep them.
        Files.writeString(log, "{\"step\":4,\"content\":1,\"style\":1,\"tv\":0,\"total\":2,\"seconds\":1}\n", java.nio.file.StandardOpenOption.APPEND);
        StylegradCliTest.Result r = runWith("--steps", "8", "--resume", ckpt.toString(), "--out", out.toString(), "--log-json", log.toString(), "--plot", plot.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("resuming from " + ckpt + " after step 4 of 8");

        RunCommandKillResumeTest.assertSameResult(straightOut, straightCkpt, straightLog, out, ckpt, log);
        assertThat(plot).exists();
    }

    @Test
    void resumeWithOtherSettingsIsRefusedListingEachDifference() throws IOException {
        Path ckpt = dir.resolve("ckpt"), out = dir.resolve("o.png");
        assertThat(runWith("--steps", "2", "--checkpoint", ckpt.toString(), "--out", dir.resolve("first.png").toString()).code()).isZero();
        List<String> a = args("--steps", "4", "--resume", ckpt.toString(), "--out", out.toString(), "--style-weight", "1e5", "--optimizer", "lbfgs");
        a.set(a.indexOf("--size") + 1, "40");
        StylegradCliTest.Result r = run(a.toArray(new String[0]));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--resume " + ckpt + ": the checkpoint was made with other settings")
                .contains("--size: checkpoint 32, given 40").contains("--style-weight: checkpoint 1000000.0, given 100000.0")
                .contains("--optimizer: checkpoint adam, given lbfgs").contains("without --resume").doesNotContain("--seed:");
        assertThat(out).doesNotExist();
        // Equal values written differently are the same setting; --steps may differ.
        StylegradCliTest.Result same = runWith("--steps", "3", "--resume", ckpt.toString(), "--out", out.toString(), "--style-weight", "1000000", "--seed", "0");
        assertThat(same.code()).as(same.err()).isZero();
    }

    @Test
    void missingOrCorruptCheckpointIsRefusedNamingTheFile() throws IOException {
        Path ckpt = dir.resolve("ckpt"), out = dir.resolve("o.png");
        Files.createDirectories(ckpt);
        StylegradCliTest.Result none = runWith("--steps", "4", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(none.code()).isEqualTo(ExitCode.USAGE);
        assertThat(none.err()).contains(ckpt.resolve("CURRENT") + ": missing");

        assertThat(runWith("--steps", "2", "--checkpoint", ckpt.toString(), "--out", out.toString()).code()).isZero();
        Path image = ckpt.resolve(Files.readString(ckpt.resolve(CheckpointStore.POINTER)).trim()).resolve("image.npy");
        byte[] b = Files.readAllBytes(image);
        b[b.length / 2] ^= 0x40;
        Files.write(image, b);
        StylegradCliTest.Result bad = runWith("--steps", "4", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).contains(image + ": sha256 is").contains("changed or damaged");

        Files.write(image, java.util.Arrays.copyOf(b, 100));
        assertThat(runWith("--steps", "4", "--resume", ckpt.toString(), "--out", out.toString()).err()).contains(image.toString());
    }

    @Test
    void aNewRunDoesNotOverwriteAnotherRunsCheckpoint() {
        Path ckpt = dir.resolve("ckpt");
        assertThat(runWith("--steps", "1", "--checkpoint", ckpt.toString(), "--out", dir.resolve("o.png").toString()).code()).isZero();
        StylegradCliTest.Result again = runWith("--steps", "1", "--checkpoint", ckpt.toString(), "--out", dir.resolve("p.png").toString());
        assertThat(again.code()).isEqualTo(ExitCode.USAGE);
        assertThat(again.err()).contains("already holds a checkpoint").contains("--resume " + ckpt);
        assertThat(dir.resolve("p.png")).doesNotExist();
        StylegradCliTest.Result noDir = runWith("--steps", "1", "--checkpoint-every", "3", "--out", dir.resolve("p.png").toString());
        assertThat(noDir.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noDir.err()).contains("--checkpoint-every needs --checkpoint");
    }
}
