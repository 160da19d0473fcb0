package dev.stylegrad.style.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The drawings behind the bundled example: scale 1 is the committed picture, and a larger scale draws the same
 * picture with more pixels (what the README's large-picture example relies on), not a different one.
 */
class ExampleImagesTest {

    @Test
    void scaleOneRedrawsTheCommittedPictures() throws IOException {
        // Java2D's software rasterizer is deterministic; a tolerance of a fraction of a level allows another JDK's.
        assertThat(meanAbsDifference(ExampleImages.landscape(1), committed("landscape.png"))).isLessThan(0.5);
        assertThat(meanAbsDifference(ExampleImages.brushstrokes(1), committed("brushstrokes.png"))).isLessThan(0.5);
    }

    @Test
    void aLargerScaleIsTheSamePictureWithMorePixels() {
        checkScaled(ExampleImages::landscape);
        checkScaled(ExampleImages::brushstrokes);
    }

    private static void checkScaled(IntFunction<BufferedImage> draw) {
        BufferedImage one = draw.apply(1), three = draw.apply(3);
        assertThat(three.getWidth()).isEqualTo(3 * one.getWidth());
        assertThat(three.getHeight()).isEqualTo(3 * one.getHeight());
        BufferedImage reduced = boxReduce(three, 3);
        // Edges are antialiased differently at the two resolutions; the pictures must agree everywhere else.
        assertThat(meanAbsDifference(reduced, one)).isLessThan(2.0);
        // ...and must not be a trivially similar pair: a picture against its mirror image differs far more.
        assertThat(meanAbsDifference(reduced, mirrored(one))).isGreaterThan(10.0);
    }

    private static BufferedImage committed(String name) throws IOException {
        try (InputStream in = ExampleImages.class.getResourceAsStream(name)) {
            assertThat(in).as("bundled resource %s", name).isNotNull();
            return ImageIO.read(in);
        }
    }

    /** Averages each factor×factor block: the picture at 1/factor of the size. */
    private static BufferedImage boxReduce(BufferedImage big, int factor) {
        int w = big.getWidth() / factor, h = big.getHeight() / factor;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] sum = new int[3];
                for (int dy = 0; dy < factor; dy++) {
                    for (int dx = 0; dx < factor; dx++) {
                        int rgb = big.getRGB(x * factor + dx, y * factor + dy);
                        sum[0] += (rgb >> 16) & 255;
                        sum[1] += (rgb >> 8) & 255;
                        sum[2] += rgb & 255;
                    }
                }
                int n = factor * factor;
                out.setRGB(x, y, (Math.round(sum[0] / (float) n) << 16) | (Math.round(sum[1] / (float) n) << 8) | Math.round(sum[2] / (float) n));
            }
        }
        return out;
    }

    private static BufferedImage mirrored(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) out.setRGB(img.getWidth() - 1 - x, y, img.getRGB(x, y));
        }
        return out;
    }

    /** Mean over pixels and channels of |a − b| in 8-bit levels. */
    private static double meanAbsDifference(BufferedImage a, BufferedImage b) {
        assertThat(a.getWidth()).isEqualTo(b.getWidth());
        assertThat(a.getHeight()).isEqualTo(b.getHeight());
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y), q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) sum += Math.abs(((p >> shift) & 255) - ((q >> shift) & 255));
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }
}
