package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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

    @Test
    void estimatesAreWithinFivePercentOfTheMeasuredPeaks() {
        double untiled2048 = 14_820_152 * 1024.0, tiled4096 = 9_646_860 * 1024.0, tiled8192 = 16_275_016 * 1024.0;
        assertThat(StepMemory.untiledStep(2048L * 2048, VGG19) / untiled2048).isBetween(0.95, 1.05);
        assertThat(StepMemory.tiledStep(4096L * 4096, 1184L * 1184, VGG19) / tiled4096).isBetween(0.95, 1.05);
        assertThat(StepMemory.tiledStep(8192L * 6144, 1184L * 1184, VGG19) / tiled8192).isBetween(0.95, 1.05);
    }
}
