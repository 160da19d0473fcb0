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

class SumTest {
    @Test
    void forwardOverAllAndSomeAxes() {
        INDArray x = Nd4j.arange(24).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(2, 3, 4);
        assertThat(Ops.sum(Tensor.constant(x)).value().getDouble(0)).isEqualTo(276.0);
        INDArray s = Ops.sum(Tensor.constant(x), false, 0, 2).value();
        assertThat(s.shape()).containsExactly(3);
        assertThat(s.toDoubleVector()).containsExactly(60, 92, 124);
        assertThat(Ops.sum(Tensor.constant(x), true, -1).value().shape()).containsExactly(2, 3, 1);
    }

    @Test
    void gradientAllAxesAndSelectedAxesWithAndWithoutKeepDims() {
        check("sum all", t -> Ops.sum(t[0]), random(20, 2, 3, 5));
        check("sum axes 1,3", t -> Ops.sum(t[0], false, 1, 3), random(21, 2, 3, 5, 4));
        check("sum axis -1 keepdims", t -> Ops.sum(t[0], true, -1), random(22, 3, 1, 7));
        check("sum shared", t -> Ops.mul(Ops.sum(t[0], true, 0), t[0]), random(23, 3, 5));
    }

    @Test
    void badAxesAreRejected() {
        assertThatThrownBy(() -> Ops.sum(Tensor.constant(random(1, 2, 3)), false, 2)).hasMessageContaining("axis 2");
        assertThatThrownBy(() -> Ops.sum(Tensor.constant(random(1, 2, 3)), false, 1, -1)).hasMessageContaining("repeated");
    }
}
