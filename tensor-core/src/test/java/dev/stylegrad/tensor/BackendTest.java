package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Tag("kernels")
class BackendTest {
    @Test
    void reportNamesDeviceLibraryAndThreads() {
        Backend b = Backend.current();
        System.out.println(b.report());
        assertThat(b.device()).isEqualTo("cpu");
        assertThat(b.threads()).isPositive();
        assertThat(b.report()).matches("backend=cpu \\(nd4j-native[^)]*\\), threads=\\d+(, kernels=[a-z0-9_]+)?");
        assertThat(b.kernelIsa().isEmpty()).as("kernel ISA reported iff oneDNN is loaded").isEqualTo(OneDnn.UNAVAILABLE != null);
    }

    @Test
    void aCapOnOneDnnsInstructionSetIsWhatTheKernelsRun() {
        // CI's capped pass sets DNNL_MAX_CPU_ISA=AVX2: this proves the cap reached oneDNN, so that pass really ran
        // the AVX2 kernels on an AVX-512 machine.
        String cap = System.getenv("DNNL_MAX_CPU_ISA");
        org.junit.jupiter.api.Assumptions.assumeTrue(cap != null && !cap.isBlank() && OneDnn.UNAVAILABLE == null, "no DNNL_MAX_CPU_ISA cap in this run");
        assertThat(Backend.current().kernelIsa()).isEqualTo(cap.toLowerCase(java.util.Locale.ROOT));
    }
}
