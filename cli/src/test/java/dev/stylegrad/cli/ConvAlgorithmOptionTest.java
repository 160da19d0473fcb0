package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.KernelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --conv-algorithm}: a bad name and {@code winograd} on a CPU without Winograd kernels are usage errors (exit 2,
 * one sentence, nothing written); a choice that runs here is what the backend line reports. Tagged end-to-end so CI
 * also runs it with oneDNN capped to AVX2, where Winograd is refused.
 */
@org.junit.jupiter.api.Tag("end-to-end")
class ConvAlgorithmOptionTest {
    private static final String UNAVAILABLE = ConvAlgorithm.WINOGRAD.unavailableReason();
    private static final ConvAlgorithm BEFORE = KernelConfig.convAlgorithm();

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        Backend.setConvAlgorithm(BEFORE); // the option sets it for the whole process, as a real command's one run
    }

    private StylegradCliTest.Result runWith(String algorithm, Path out) {
        return run(RunCommandCheckpointTest.args("--steps", "1", "--conv-algorithm", algorithm, "--out", out.toString()).toArray(new String[0]));
    }

    @Test
    void anUnknownAlgorithmIsAUsageError() {
        Path out = dir.resolve("o.png");
        StylegradCliTest.Result r = runWith("fft", out);
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--conv-algorithm must be direct, winograd or auto, got 'fft'");
        assertThat(out).doesNotExist();
    }

    @Test
    void winogradWithoutWinogradKernelsStopsWithOneSentenceAndExitCode2() {
        assumeTrue(UNAVAILABLE != null, "this CPU has Winograd kernels (run with DNNL_MAX_CPU_ISA=AVX2 to test the refusal)");
        Path out = dir.resolve("o.png");
        StylegradCliTest.Result r = runWith("winograd", out);
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().strip()).isEqualTo("stylegrad: --conv-algorithm winograd: " + UNAVAILABLE);
        assertThat(out).doesNotExist();
    }

    @Test
    void theChosenAlgorithmRunsAndIsReported() {
        for (String a : new String[] {"direct", "auto", "winograd"}) {
            if (a.equals("winograd") && UNAVAILABLE != null) continue;
            Path out = dir.resolve(a + ".png");
            StylegradCliTest.Result r = runWith(a, out);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains(", conv=" + a);
            assertThat(out).exists();
        }
    }
}
