package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.checkpoint.CheckpointStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code run --adam-betas}: its default is PyTorch's, other values change the run, checkpoints record them, bad ones exit 2. */
class AdamBetasOptionTest {
    @TempDir
    Path dir;

    private StylegradCliTest.Result runWith(String ckpt, String... extra) {
        var a = RunCommandCheckpointTest.args("--steps", "3", "--checkpoint", dir.resolve(ckpt).toString(), "--out", dir.resolve(ckpt + ".png").toString());
        a.addAll(java.util.List.of(extra));
        return run(a.toArray(new String[0]));
    }

    private INDArray image(String ckpt) throws Exception {
        return CheckpointStore.read(dir.resolve(ckpt)).image();
    }

    @Test
    void theDefaultIsPyTorchsAndOtherBetasChangeTheRunAndAreRecorded() throws Exception {
        assertThat(runWith("plain").code()).isZero();
        assertThat(runWith("given", "--adam-betas", "0.9,0.999").code()).isZero();
        assertThat(runWith("other", "--adam-betas", "0.5,0.9").code()).isZero();

        assertThat(image("given").sub(image("plain")).amaxNumber().doubleValue()).isZero();
        assertThat(image("other").sub(image("plain")).amaxNumber().doubleValue()).isGreaterThan(1e-4);
        // Recorded only when changed, so checkpoints made before the option still resume.
        assertThat(CheckpointStore.read(dir.resolve("plain")).fingerprint().values()).doesNotContainKey("--adam-betas");
        assertThat(CheckpointStore.read(dir.resolve("given")).fingerprint().values()).doesNotContainKey("--adam-betas");
        assertThat(CheckpointStore.read(dir.resolve("other")).fingerprint().values()).containsEntry("--adam-betas", "0.5,0.9");
    }

    @Test
    void resumingWithOtherBetasIsRefused() {
        assertThat(runWith("other", "--adam-betas", "0.5,0.9").code()).isZero();
        var a = RunCommandCheckpointTest.args("--steps", "6", "--resume", dir.resolve("other").toString(), "--out", dir.resolve("r.png").toString());
        StylegradCliTest.Result r = run(a.toArray(new String[0]));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("the checkpoint was made with other settings").contains("--adam-betas");
    }

    @Test
    void betasOutsideTheUnitIntervalOrNotTwoAreAUsageError() {
        StylegradCliTest.Result one = runWith("x", "--adam-betas", "1,0.999");
        assertThat(one.code()).isEqualTo(ExitCode.USAGE);
        assertThat(one.err()).contains("--adam-betas must be two numbers in [0, 1), got [1.0, 0.999]").doesNotContain("Exception");
        StylegradCliTest.Result single = runWith("y", "--adam-betas", "0.9");
        assertThat(single.code()).isEqualTo(ExitCode.USAGE);
        assertThat(single.err()).contains("--adam-betas must be two numbers");
    }
}
