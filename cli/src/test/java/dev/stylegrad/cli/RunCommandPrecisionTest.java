package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --precision}: a bad value and bf16 on a CPU without bfloat16 instructions are usage errors (exit 2, one
 * sentence, nothing written); where bf16 runs, checkpoints record it and a resume in the other precision is refused.
 * Tagged end-to-end so CI also runs it with oneDNN capped to AVX2, where bf16 is refused.
 */
@org.junit.jupiter.api.Tag("end-to-end")
class RunCommandPrecisionTest {
    private static final String UNAVAILABLE = Precision.BF16.unavailableReason();

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        Backend.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void anUnknownPrecisionIsAUsageError() {
        Path out = dir.resolve("o.png");
        StylegradCliTest.Result r = run(RunCommandCheckpointTest.args("--steps", "1", "--precision", "fp16", "--out", out.toString())
                .toArray(new String[0]));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--precision must be fp32 or bf16, got 'fp16'");
        assertThat(out).doesNotExist();
    }

    @Test
    void bf16WithoutBfloat16InstructionsStopsWithOneSentenceAndExitCode2() {
        assumeTrue(UNAVAILABLE != null, "this CPU runs bf16 (run with DNNL_MAX_CPU_ISA=AVX2 to test the refusal)");
        Path out = dir.resolve("o.png");
        StylegradCliTest.Result r = run(RunCommandCheckpointTest.args("--steps", "1", "--precision", "bf16", "--out", out.toString())
                .toArray(new String[0]));
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().strip()).isEqualTo("stylegrad: --precision bf16: " + UNAVAILABLE);
        assertThat(out).doesNotExist();
    }

    @Test
    void bf16RunsAreCheckpointedAsBf16AndResumeOnlyInBf16() throws Exception {
        assumeTrue(UNAVAILABLE == null, () -> "no bf16 here: " + UNAVAILABLE);
        Path ckpt = dir.resolve("ckpt"), out = dir.resolve("o.png");
        StylegradCliTest.Result r = run(RunCommandCheckpointTest.args("--steps", "2", "--precision", "bf16", "--checkpoint", ckpt.toString(),
                "--out", out.toString()).toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(CheckpointStore.read(ckpt).fingerprint().values()).containsEntry("--precision", "bf16");

        StylegradCliTest.Result fp32 = run(RunCommandCheckpointTest.args("--steps", "4", "--resume", ckpt.toString(), "--out", out.toString())
                .toArray(new String[0]));
        assertThat(fp32.code()).isEqualTo(ExitCode.USAGE);
        assertThat(fp32.err()).contains("--precision: checkpoint bf16, given fp32");

        StylegradCliTest.Result bf16 = run(RunCommandCheckpointTest.args("--steps", "4", "--precision", "bf16", "--resume", ckpt.toString(),
                "--out", out.toString()).toArray(new String[0]));
        assertThat(bf16.code()).as(bf16.err()).isZero();
        assertThat(CheckpointStore.read(ckpt).completedSteps()).isEqualTo(4);
    }

    @Test
    void checkpointsFromBeforePrecisionExistedResumeAsFp32() {
        Fingerprint old = new Fingerprint(Map.of("--size", "32", "--optimizer", "adam"));
        assertThat(RunCheckpoints.upgraded(old, "adam").values()).containsEntry("--precision", "fp32").containsEntry("--size", "32");
        Fingerprint recorded = new Fingerprint(Map.of("--precision", "bf16"));
        assertThat(RunCheckpoints.upgraded(recorded, "adam").values()).isEqualTo(Map.of("--precision", "bf16"));
        assertThat(List.of(Precision.values())).extracting(Precision::cliName).containsExactly("fp32", "bf16");
    }
}
