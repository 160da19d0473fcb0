package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Sums} against a float64 sum done here, on views, in float32 and float64, across its chunk size. */
class SumsTest {
    @Test
    void sumsOfSquaresAreTheFloat64SumsInCOrder() {
        Random r = new Random(3);
        int n = (1 << 20) + 777; // more than one chunk
        float[] a = new float[n], b = new float[n];
        double squares = 0, differences = 0;
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 1e3);
            b[i] = (float) r.nextGaussian();
            squares += (double) a[i] * a[i];
            double d = (double) a[i] - b[i];
            differences += d * d;
        }
        INDArray x = Nd4j.create(a, new long[] {1, n}, DataType.FLOAT), y = Nd4j.create(b, new long[] {1, n}, DataType.FLOAT);
        assertThat(Sums.squares(x)).isEqualTo(squares);
        assertThat(Sums.squaredDifference(x, y)).isEqualTo(differences);
        assertThat(Sums.squares(x.castTo(DataType.DOUBLE))).isEqualTo(squares);
        // float32's own reduction is further off than float64 rounding: what this class is for
        assertThat(Math.abs(x.norm2Number().doubleValue() * x.norm2Number().doubleValue() / squares - 1)).isGreaterThan(Math.abs(Sums.squares(x) / squares - 1));
    }

    @Test
    void viewsAreSummedOverTheirOwnElementsOnly() {
        INDArray m = Nd4j.arange(0, 24).castTo(DataType.FLOAT).reshape(1, 2, 3, 4);
        INDArray view = m.get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 4)).reshape(1, 1, 2, 2);
        double expected = 18 * 18 + 19 * 19 + 22 * 22 + 23 * 23;
        assertThat(Sums.squares(view)).isEqualTo(expected);
        assertThat(Sums.squaredDifference(view, Nd4j.ones(DataType.FLOAT, 1, 1, 2, 2))).isEqualTo(17 * 17 + 18 * 18 + 21 * 21 + 22 * 22);
    }

    @Test
    void differentShapesAreRefused() {
        assertThatThrownBy(() -> Sums.squaredDifference(Nd4j.ones(2, 3), Nd4j.ones(3, 2))).isInstanceOf(IllegalArgumentException.class);
    }
}
