package dev.stylegrad.style.feedforward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.image.RgbImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link Pictures}: channel planes and back, exactly, across the blocks of rows they convert at a time. */
class PicturesTest {
    @Test
    void picturesGoToPlanesAndBackExactly() {
        SplittableRandom r = new SplittableRandom(3);
        int w = 37, h = 150; // more than two blocks of 64 rows, the last one short
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) px[i] = r.nextInt(1 << 24);
        RgbImage picture = new RgbImage(w, h, px);
        INDArray planes = Pictures.toArray(picture);
        assertThat(planes.shape()).containsExactly(1, 3, h, w);
        for (int k = 0; k < 200; k++) {
            int x = r.nextInt(w), y = r.nextInt(h), v = px[y * w + x];
            assertThat(planes.getFloat(0, 0, y, x)).isEqualTo((v >> 16) & 0xff);
            assertThat(planes.getFloat(0, 1, y, x)).isEqualTo((v >> 8) & 0xff);
            assertThat(planes.getFloat(0, 2, y, x)).isEqualTo(v & 0xff);
        }
        assertThat(Pictures.fromArray(planes).pixels()).isEqualTo(px);
        planes.putScalar(new long[] {0, 0, 140, 3}, 300f);
        planes.putScalar(new long[] {0, 1, 140, 3}, -2f);
        planes.putScalar(new long[] {0, 2, 140, 3}, 7.5f);
        assertThat(Pictures.fromArray(planes).pixels()[140 * w + 3]).isEqualTo(0xFF0008); // clamped, rounded half up
    }
}
