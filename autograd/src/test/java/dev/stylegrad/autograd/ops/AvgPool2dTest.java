package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import dev.stylegrad.tensor.Pool2dSpec;

class AvgPool2dTest {
    @Test
    void forwardAveragesWindowsCountingPaddingOrNot() {
        INDArray x = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 1, 1, 3, 3);
        // A 3x3 window with padding 1 at a corner covers 4 real cells and 5 padded ones.
        INDArray incl = Ops.avgPool2d(Tensor.constant(x), new Pool2dSpec(3, 3, 1, 1, 1, 1, true)).value();
        INDArray excl = Ops.avgPool2d(Tensor.constant(x), new Pool2dSpec(3, 3, 1, 1, 1, 1, false)).value();
        assertThat(incl.getDouble(0, 0, 0, 0)).isCloseTo(4.0 / 9.0, within(1e-12));
        assertThat(excl.getDouble(0, 0, 0, 0)).isCloseTo(1.0, within(1e-12));
        INDArray r = random(130, 2, 3, 6, 4);
        INDArray y = Ops.avgPool2d(Tensor.constant(r), Pool2dSpec.VGG).value();
        double want = (r.getDouble(1, 2, 2, 2) + r.getDouble(1, 2, 2, 3) + r.getDouble(1, 2, 3, 2) + r.getDouble(1, 2, 3, 3)) / 4;
        assertThat(y.getDouble(1, 2, 1, 1)).isCloseTo(want, within(1e-12));
    }

    @Test
    void gradient() {
        check("avgpool2d 2x2/2", t -> Ops.avgPool2d(t[0], Pool2dSpec.VGG), random(131, 2, 3, 7, 5));
        check("avgpool2d 3x3 pad1 include", t -> Ops.avgPool2d(t[0], new Pool2dSpec(3, 3, 2, 1, 1, 1, true)), random(132, 2, 2, 5, 6));
        check("avgpool2d 3x3 pad1 exclude", t -> Ops.avgPool2d(t[0], new Pool2dSpec(3, 3, 2, 1, 1, 1, false)), random(133, 2, 2, 5, 6));
        check("avgpool2d shared", t -> Ops.mul(Ops.avgPool2d(t[0], Pool2dSpec.of(2, 2, 0)), Ops.avgPool2d(t[0], Pool2dSpec.of(2, 2, 0))), random(134, 1, 2, 4, 4));
    }
}
