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

class MeanTest {
    @Test
    void forwardOverAllAndSomeAxes() {
        INDArray x = Nd4j.arange(24).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(2, 3, 4);
        assertThat(Ops.mean(Tensor.constant(x)).value().getDouble(0)).isEqualTo(11.5);
        assertThat(Ops.mean(Tensor.constant(x), false, 0, 2).value().toDoubleVector()).containsExactly(7.5, 11.5, 15.5);
        assertThat(Ops.mean(Tensor.constant(x), true, 1).value().shape()).containsExactly(2, 1, 4);
    }

    @Test
    void gradientAllAxesAndSelectedAxesWithAndWithoutKeepDims() {
        check("mean all", t -> Ops.mean(t[0]), random(30, 2, 3, 5));
        check("mean axes 0,2", t -> Ops.mean(t[0], false, 0, 2), random(31, 3, 4, 5));
        check("mean axis 1 keepdims", t -> Ops.mean(t[0], true, 1), random(32, 2, 7, 3));
        check("mean shared", t -> Ops.sub(t[0], Ops.mean(t[0], true, -1)), random(33, 3, 5));
    }
}
