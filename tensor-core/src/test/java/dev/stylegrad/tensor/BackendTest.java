package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackendTest {
    @Test
    void reportNamesDeviceLibraryAndThreads() {
        Backend b = Backend.current();
        System.out.println(b.report());
        assertThat(b.device()).isEqualTo("cpu");
        assertThat(b.threads()).isPositive();
        assertThat(b.report()).matches("backend=cpu \\(nd4j-native[^)]*\\), threads=\\d+");
    }
}
