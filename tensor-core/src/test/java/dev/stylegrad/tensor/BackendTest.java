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
        assertThat(b.report()).matches("backend=cpu \\(nd4j-native[^)]*\\), threads=\\d+(, kernels=[a-z0-9_]+|, onednn=off)?"
                + ", gram=(auto|onednn|syrk|gemm), host-threads=\\d+, conv=(direct|winograd|auto)");
        assertThat(b.report()).contains(", gram=" + KernelConfig.gram().propertyValue() + ", host-threads=" + KernelConfig.hostThreads());
        assertThat(b.report().contains(", onednn=off")).as("onednn=off reported iff turned off").isEqualTo(!KernelConfig.oneDnnEnabled());
        assertThat(b.kernelIsa().isEmpty()).as("kernel ISA reported iff oneDNN is loaded").isEqualTo(OneDnn.UNAVAILABLE != null);
    }

    @Test
    void setThreadsCapsTheHostKernelThreadsTooAndTheReportSaysSo() {
        var env = org.nd4j.linalg.factory.Nd4j.getEnvironment();
        int maxThreads = env.maxThreads(), masterThreads = env.maxMasterThreads(), hostThreads = KernelConfig.hostThreads();
        try {
            // ND4J takes at most the cores (2 on the machines we test on); the host kernels are capped at what it took.
            int configured = KernelConfig.configuredHostThreads();
            for (int n : new int[] {1, 2, 64}) {
                Backend.setThreads(n);
                Backend b = Backend.current();
                assertThat(b.threads()).as("ND4J's threads after setThreads(%d)", n).isBetween(1, n);
                int expected = Math.min(configured, b.threads());
                assertThat(KernelConfig.hostThreads()).as("host threads after setThreads(%d)", n).isEqualTo(expected);
                assertThat(b.hostThreads()).isEqualTo(expected);
                assertThat(b.report()).contains("threads=" + b.threads() + ",").contains(", host-threads=" + expected);
            }
            Backend.setThreads(1);
            assertThat(KernelConfig.hostThreads()).as("host threads after setThreads(1)").isEqualTo(1);
        } finally {
            env.setMaxThreads(maxThreads);
            env.setMaxMasterThreads(masterThreads);
            KernelConfig.setHostThreads(hostThreads);
        }
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
