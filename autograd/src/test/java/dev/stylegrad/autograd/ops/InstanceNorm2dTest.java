package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class InstanceNorm2dTest {
    @Test
    void eachMapGetsMeanZeroAndUnitVarianceThenTheAffineMap() {
        INDArray x = random(1621, 2, 3, 5, 4).muli(3).addi(7);
        INDArray y = Ops.instanceNorm2d(Tensor.constant(x)).value();
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                double sum = 0, sq = 0;
                for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) sum += y.getDouble(n, c, i, j);
                for (int i = 0; i < 5; i++) for (int j = 0; j < 4; j++) sq += y.getDouble(n, c, i, j) * y.getDouble(n, c, i, j);
                assertThat(sum / 20).as("mean of map (%d, %d)", n, c).isCloseTo(0, within(1e-12));
                // Biased variance plus eps in the denominator: var/(var + 1e-5) of one.
                assertThat(sq / 20).as("variance of map (%d, %d)", n, c).isCloseTo(1, within(1e-5));
            }
        }
        INDArray w = random(1622, 3), b = random(1623, 3);
        INDArray z = Ops.instanceNorm2d(Tensor.constant(x), Tensor.constant(w), Tensor.constant(b)).value();
        assertThat(z.getDouble(1, 2, 3, 1)).isCloseTo(y.getDouble(1, 2, 3, 1) * w.getDouble(2) + b.getDouble(2), within(1e-12));
    }

    @Test
    void gradient() {
        check("instance norm", t -> Ops.instanceNorm2d(t[0]), random(1624, 2, 3, 4, 5));
        check("instance norm affine", t -> Ops.instanceNorm2d(t[0], t[1], t[2]), random(1625, 2, 3, 4, 5), random(1626, 3), random(1627, 3));
        check("instance norm of a 1x1 map's neighbour: 2x1", t -> Ops.instanceNorm2d(t[0]), random(1628, 1, 2, 2, 1));
    }

    /**
     * A view that is not dense in c-order (a permuted leaf) makes the host kernels decline, so whole-array ops run,
     * forward and backward: the same values and the same gradients (input, weight, bias) as the host kernels on a
     * dense copy, whose gradients {@link #gradient} checks numerically.
     */
    @Test
    void viewsTakeTheWholeArrayPathWithTheSameResults() {
        INDArray base = random(1635, 2, 5, 4, 3).muli(2).addi(40), w = random(1636, 3), b = random(1637, 3);
        INDArray view = base.permute(0, 3, 2, 1), dense = view.dup('c');
        assertThat(dev.stylegrad.tensor.Kernels.instanceNormOrNull(view, w, b, 1e-5, false)).as("the host kernels decline the view").isNull();
        INDArray projection = random(1638, 2, 3, 4, 5);
        Tensor[] viaView = {Tensor.parameter(view), Tensor.parameter(w.dup()), Tensor.parameter(b.dup())};
        Tensor[] viaHost = {Tensor.parameter(dense), Tensor.parameter(w.dup()), Tensor.parameter(b.dup())};
        for (Tensor[] t : new Tensor[][] {viaView, viaHost}) {
            Tensor out = Ops.instanceNorm2d(t[0], t[1], t[2]);
            Ops.sum(Ops.mul(out, Tensor.constant(projection))).backward();
        }
        INDArray outView = Ops.instanceNorm2d(Tensor.constant(view), Tensor.constant(w), Tensor.constant(b)).value();
        INDArray outHost = Ops.instanceNorm2d(Tensor.constant(dense), Tensor.constant(w), Tensor.constant(b)).value();
        assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(outView, outHost)).isLessThan(1e-12);
        for (int i = 0; i < 3; i++) {
            assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(viaView[i].grad(), viaHost[i].grad())).as("gradient %d", i).isLessThan(1e-12);
            assertThat(viaHost[i].grad().amaxNumber().doubleValue()).isPositive();
        }
        INDArray plain = Ops.instanceNorm2d(Tensor.constant(view)).value(), plainHost = Ops.instanceNorm2d(Tensor.constant(dense)).value();
        assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(plain, plainHost)).isLessThan(1e-12);
    }

    @Test
    void parameterShapesAreChecked() {
        Tensor x = Tensor.constant(random(1629, 1, 3, 4, 4));
        assertThatThrownBy(() -> Ops.instanceNorm2d(x, Tensor.constant(random(1630, 4)), Tensor.constant(random(1631, 3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight must have shape [3]");
    }
}
