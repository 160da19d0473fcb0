package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ReflectionPad2dTest {
    @Test
    void forwardMirrorsAboutTheEdgePixelWithoutRepeatingIt() {
        INDArray x = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(1, 1, 3, 4); // rows 0..3, 4..7, 8..11
        INDArray y = Ops.reflectionPad2d(Tensor.constant(x), 2, 1, 1, 2).value();
        assertThat(y.shape()).containsExactly(1, 1, 6, 7);
        // Row -1 mirrors row 1; rows 3 and 4 mirror rows 1 and 0; columns -2, -1 mirror 2, 1 and column 4 mirrors 2.
        double[][] want = {
            {6, 5, 4, 5, 6, 7, 6},
            {2, 1, 0, 1, 2, 3, 2},
            {6, 5, 4, 5, 6, 7, 6},
            {10, 9, 8, 9, 10, 11, 10},
            {6, 5, 4, 5, 6, 7, 6},
            {2, 1, 0, 1, 2, 3, 2}};
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 7; j++) assertThat(y.getDouble(0, 0, i, j)).as("(%d, %d)", i, j).isEqualTo(want[i][j]);
        }
    }

    @Test
    void gradient() {
        check("reflection pad 4 (the 9x9 convolutions')", t -> Ops.reflectionPad2d(t[0], 4, 4, 4, 4), random(1601, 2, 3, 6, 5));
        check("reflection pad uneven", t -> Ops.reflectionPad2d(t[0], 0, 2, 3, 1), random(1602, 1, 2, 5, 4));
        check("reflection pad 1 on 2x2", t -> Ops.reflectionPad2d(t[0], 1, 1, 1, 1), random(1603, 1, 1, 2, 2));
    }

    /**
     * A view that is not dense in c-order (a permuted leaf) makes the host kernel decline, so the row-and-column copies
     * run: the same values as the host kernel on a dense copy, and the same gradient.
     */
    @Test
    void viewsTakeTheCopyPathWithTheSameResults() {
        INDArray view = random(1605, 2, 6, 5, 3).permute(0, 3, 1, 2), dense = view.dup('c');
        assertThat(dev.stylegrad.tensor.Kernels.reflectionPad2dOrNull(view, 2, 1, 3, 2)).as("the host kernel declines the view").isNull();
        Tensor viaView = Tensor.parameter(view), viaHost = Tensor.parameter(dense);
        INDArray projection = random(1606, 2, 3, 11, 8);
        INDArray outView = null, outHost = null;
        for (Tensor t : new Tensor[] {viaView, viaHost}) {
            Tensor out = Ops.reflectionPad2d(t, 2, 1, 3, 2);
            if (t == viaView) outView = out.value();
            else outHost = out.value();
            Ops.sum(Ops.mul(out, Tensor.constant(projection))).backward();
        }
        assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(outView, outHost)).isZero();
        assertThat(dev.stylegrad.tensor.ExactArrays.maxAbsDifference(viaView.grad(), viaHost.grad())).isLessThan(1e-12);
        assertThat(viaHost.grad().amaxNumber().doubleValue()).isPositive();
    }

    @Test
    void padsAsLargeAsTheSideAreRefused() {
        assertThatThrownBy(() -> Ops.reflectionPad2d(Tensor.constant(random(1604, 1, 1, 3, 5)), 1, 1, 3, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("smaller than the side").hasMessageContaining("3×5");
        assertThatThrownBy(() -> Ops.reflectionPad2d(Tensor.constant(random(1605, 1, 1, 3, 5)), -1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
    }
}
