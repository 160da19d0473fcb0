package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link AdaIn}: the content's maps take the style's per-map mean and unbiased σ; PyTorch's values in TorchFixtureTest. */
class AdaInTest {
    @Test
    void eachContentMapTakesTheStyleMapsMeanAndUnbiasedDeviation() {
        INDArray x = random(2801, 2, 3, 5, 4).muli(3).addi(7), s = random(2802, 2, 3, 6, 7).muli(0.5).subi(2);
        INDArray y = Ops.adaIn(Tensor.constant(x), Tensor.constant(s)).value();
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                double[] want = meanAndStd(s, n, c), got = meanAndStd(y, n, c), in = meanAndStd(x, n, c);
                assertThat(got[0]).as("mean of map (%d, %d)", n, c).isCloseTo(want[0], within(1e-12));
                // the output's unbiased deviation is σ(s)·σ_u(x)/σ(x), σ = √(σ_u² + eps): the style's, up to the eps
                double expected = Math.sqrt(want[1] * want[1] + 1e-5) * in[1] / Math.sqrt(in[1] * in[1] + 1e-5);
                assertThat(got[1]).as("unbiased deviation of map (%d, %d)", n, c).isCloseTo(expected, within(1e-12));
            }
        }
        // the content's pattern survives: a position above its map's mean stays above the new mean
        assertThat(Math.signum(y.getDouble(1, 2, 3, 1) - meanAndStd(y, 1, 2)[0])).isEqualTo(Math.signum(x.getDouble(1, 2, 3, 1) - meanAndStd(x, 1, 2)[0]));
    }

    /** Mean and unbiased deviation σ_u (no eps) of map (n, c), in plain Java. */
    private static double[] meanAndStd(INDArray a, int n, int c) {
        long h = a.size(2), w = a.size(3);
        double sum = 0, sq = 0;
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) sum += a.getDouble(n, c, i, j);
        double mean = sum / (h * w);
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) sq += (a.getDouble(n, c, i, j) - mean) * (a.getDouble(n, c, i, j) - mean);
        return new double[] {mean, Math.sqrt(sq / (h * w - 1))};
    }

    @Test
    void gradient() {
        check("adain", t -> Ops.adaIn(t[0], t[1]), random(2803, 2, 3, 4, 5), random(2804, 2, 3, 3, 6));
        check("adain, two positions per map", t -> Ops.adaIn(t[0], t[1]), random(2805, 1, 2, 2, 1), random(2806, 1, 2, 1, 2));
    }

    @Test
    void shapesAreChecked() {
        Tensor x = Tensor.constant(random(2807, 1, 3, 4, 4));
        assertThatThrownBy(() -> Ops.adaIn(x, Tensor.constant(random(2808, 1, 4, 4, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the same batch and channels");
        assertThatThrownBy(() -> Ops.adaIn(x, Tensor.constant(random(2809, 1, 3, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 positions");
        assertThatThrownBy(() -> Ops.adaIn(x, Tensor.constant(random(2810, 3, 4, 4))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
