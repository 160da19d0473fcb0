package dev.stylegrad.style.image;

import static dev.stylegrad.style.image.ImageFilesTest.FIXTURES;
import static dev.stylegrad.style.image.ImageFilesTest.maxChannelDiff;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResamplerTest {
    private static RgbImage read(String name) throws IOException {
        return ImageFiles.read(FIXTURES.resolve(name), ImageFiles.DEFAULT_MAX_PIXELS);
    }

    @Test
    void matchesPillowsAntialiasedBilinearWithinRounding() throws IOException {
        RgbImage src = read("rgb.png");
        // Pillow rounds to 8 bits between its two passes; we round once, so ±2 levels is the expected spread.
        assertThat(maxChannelDiff(Resampler.resize(src, 20, 12), read("rgb_resized_20x12.png"))).isLessThanOrEqualTo(2);
        assertThat(maxChannelDiff(Resampler.resize(src, 50, 31), read("rgb_resized_50x31.png"))).isLessThanOrEqualTo(2);
    }

    @Test
    void fitMaxSideKeepsAspectAndDoesNotResampleAtItsOwnSize() throws IOException {
        RgbImage src = read("rgb.png");
        assertThat(Resampler.fitMaxSide(src, 37)).isSameAs(src);
        RgbImage half = Resampler.fitMaxSide(src, 18);
        assertThat(half.width()).isEqualTo(18);
        assertThat(half.height()).isEqualTo(11);
    }

    @Test
    void aConstantImageStaysConstant() {
        int[] px = new int[40 * 30];
        Arrays.fill(px, 0x336699);
        RgbImage out = Resampler.resize(new RgbImage(40, 30, px), 13, 7);
        assertThat(out.pixels()).containsOnly(0x336699);
    }
}
