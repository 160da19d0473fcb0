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
     * A permuted input is not dense in c-order, so the host kernels decline it and whole-array ops run instead: the same
     * values as the host kernels on a dense copy, and a correct gradient.
     */
    @Test
    void viewsTakeTheWholeArrayPathWithTheSameResults() {
        INDArray x = random(1635, 2, 5, 4, 3).muli(2).addi(40), w = random(1636, 3), b = random(1637, 3);
        INDArray viaView = Ops.instanceNorm2d(Ops.permute(Tensor.constant(x), 0, 3, 2, 1), Tensor.constant(w), Tensor.constant(b)).value();
        INDArray viaHost = Ops.instanceNorm2d(Tensor.constant(x.permute(0, 3, 2, 1).dup('c')), Tensor.constant(w), Tensor.constant(b)).value();
        assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(viaView, viaHost)).isLessThan(1e-12);
        check("instance norm of a permuted view", t -> Ops.instanceNorm2d(Ops.permute(t[0], 0, 3, 2, 1), t[1], t[2]),
                random(1638, 2, 5, 4, 3), random(1639, 3), random(1640, 3));
        check("instance norm of a permuted view, no affine", t -> Ops.instanceNorm2d(Ops.permute(t[0], 0, 3, 2, 1)), random(1641, 1, 4, 3, 2));
    }

    @Test
    void parameterShapesAreChecked() {
        Tensor x = Tensor.constant(random(1629, 1, 3, 4, 4));
        assertThatThrownBy(() -> Ops.instanceNorm2d(x, Tensor.constant(random(1630, 4)), Tensor.constant(random(1631, 3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight must have shape [3]");
    }
}
