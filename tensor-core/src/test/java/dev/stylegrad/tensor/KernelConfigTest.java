package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelConfigTest {
    @Test
    void withoutPropertiesTheSwitchesKeepTheirDefaults() {
        assertThat(KernelConfig.parseOneDnn(null)).isTrue();
        assertThat(KernelConfig.parseGram(null)).isEqualTo(KernelConfig.Gram.AUTO);
        assertThat(KernelConfig.parseHostThreads(null)).isEqualTo(1);
        assertThat(KernelConfig.parseConvAlgorithm(null)).isEqualTo(ConvAlgorithm.AUTO);
    }

    @Test
    void everyNamedValueIsRead() {
        assertThat(KernelConfig.parseOneDnn("true")).isTrue();
        assertThat(KernelConfig.parseOneDnn("false")).isFalse();
        assertThat(KernelConfig.parseGram("auto")).isEqualTo(KernelConfig.Gram.AUTO);
        assertThat(KernelConfig.parseGram("onednn")).isEqualTo(KernelConfig.Gram.ONEDNN);
        assertThat(KernelConfig.parseGram("syrk")).isEqualTo(KernelConfig.Gram.SYRK);
        assertThat(KernelConfig.parseGram("gemm")).isEqualTo(KernelConfig.Gram.GEMM);
        assertThat(KernelConfig.parseHostThreads("1")).isEqualTo(1);
        assertThat(KernelConfig.parseHostThreads("4")).isEqualTo(4);
        for (ConvAlgorithm a : ConvAlgorithm.values()) assertThat(KernelConfig.parseConvAlgorithm(a.cliName())).isEqualTo(a);
    }

    @Test
    void anyOtherValueFailsNamingThePropertyAndTheValue() {
        for (String v : new String[] {"", "off", "False", "0"}) {
            assertThatThrownBy(() -> KernelConfig.parseOneDnn(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dstylegrad.onednn").hasMessageContaining("'" + v + "'");
        }
        for (String v : new String[] {"", "SYRK", "blas", "noSyrk"}) {
            assertThatThrownBy(() -> KernelConfig.parseGram(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dstylegrad.gram").hasMessageContaining("auto, onednn, syrk, gemm").hasMessageContaining("'" + v + "'");
        }
        for (String v : new String[] {"", "WINOGRAD", "fft"}) {
            assertThatThrownBy(() -> KernelConfig.parseConvAlgorithm(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dstylegrad.convAlgorithm").hasMessageContaining("direct, winograd, auto").hasMessageContaining("'" + v + "'");
        }
        for (String v : new String[] {"", "0", "-2", "two", "1.5"}) {
            assertThatThrownBy(() -> KernelConfig.parseHostThreads(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dstylegrad.hostThreads").hasMessageContaining("'" + v + "'");
        }
    }

    @Test
    void thisJvmsSwitchesAreItsProperties() {
        assertThat(KernelConfig.oneDnnEnabled()).isEqualTo(KernelConfig.parseOneDnn(System.getProperty(KernelConfig.ONEDNN_PROPERTY)));
        assertThat(KernelConfig.gram()).isEqualTo(KernelConfig.parseGram(System.getProperty(KernelConfig.GRAM_PROPERTY)));
        // The oneDNN path follows the switch (it may also be off for want of binaries, never on when switched off).
        if (!KernelConfig.oneDnnEnabled()) assertThat(OneDnn.UNAVAILABLE).startsWith("turned off by -Dstylegrad.onednn=false");
        else assertThat(OneDnn.UNAVAILABLE).satisfiesAnyOf(u -> assertThat(u).isNull(), u -> assertThat(u).doesNotStartWith("turned off"));
    }
}
