package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.ConvAlgorithms;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link StepMemory}'s estimates against the peaks they were fitted to (benchmarks/RESULTS.md, "Large pictures";
 * /usr/bin/time's maximum resident set, KB): a change to the estimates, or to what a step keeps, shows here.
 */
class StepMemoryTest {
    static final List<Long> VGG19 = TiledRunTest.VGG19_WIDTHS;

    @Test
    void convolutionOutputsOfVgg19ToRelu51Are290FloatsPerPixel() {
        assertThat(StepMemory.convolutionBytesPerPixel(VGG19)).isCloseTo(4 * 290.0, within(1e-9));
    }

    /** The direct-kernel peaks (AMD EPYC Zen 5) the factors were fitted to: within 5%. */
    @Test
    void estimatesAreWithinFivePercentOfTheMeasuredPeaks() throws Throwable {
        ConvAlgorithms.with(ConvAlgorithm.DIRECT, this::directEstimates);
    }

    private void directEstimates() {
        double untiled2048 = 14_820_152 * 1024.0, tiled4096 = 9_646_860 * 1024.0, tiled8192 = 16_275_016 * 1024.0;
        assertThat(StepMemory.untiledStep(2048L * 2048, VGG19) / untiled2048).isBetween(0.95, 1.05);
        assertThat(StepMemory.tiledStep(4096L * 4096, 1184L * 1184, VGG19) / tiled4096).isBetween(0.95, 1.05);
        assertThat(StepMemory.tiledStep(8192L * 6144, 1184L * 1184, VGG19) / tiled8192).isBetween(0.95, 1.05);
    }

    /**
     * With Winograd (`auto` on an AVX-512 CPU), the peaks measured on an AMD EPYC Zen 4 (`./stylegrad run --size 2048
     * --steps 3 --tile off|1024` under /usr/bin/time, RESULTS.md): the estimates must be above them, by at most 10%.
     * Before the Winograd term the untiled estimate was 15.2 GB against a 20.0 GB peak.
     */
    @Test
    void withWinogradTheEstimatesStayAboveTheMeasuredPeaks() throws Throwable {
        ConvAlgorithms.with(ConvAlgorithm.WINOGRAD, () -> {
            double untiled2048 = 19_530_696 * 1024.0, tiled2048 = 8_834_392 * 1024.0;
            assertThat(StepMemory.untiledStep(2048L * 2048, VGG19) / untiled2048).isBetween(1.0, 1.1);
            assertThat(StepMemory.tiledStep(2048L * 2048, 1184L * 1184, VGG19) / tiled2048).isBetween(1.0, 1.1);
        });
    }
}
