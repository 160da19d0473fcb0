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

class ReshapeTest {
    @Test
    void forwardKeepsCOrderAndInfersMinusOne() {
        INDArray x = Nd4j.arange(12).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(3, 4);
        INDArray y = Ops.reshape(Tensor.constant(x), 2, -1).value();
        assertThat(y.shape()).containsExactly(2, 6);
        assertThat(y.getDouble(1, 0)).isEqualTo(6.0);
    }

    @Test
    void gradient() {
        check("reshape", t -> Ops.mul(Ops.reshape(t[0], 5, 2, -1), Ops.reshape(t[0], 5, 2, 3)), random(40, 2, 3, 5));
    }

    @Test
    void wrongSizeIsRejectedWithBothShapes() {
        assertThatThrownBy(() -> Ops.reshape(Tensor.constant(random(1, 2, 3)), 4, -1)).hasMessageContaining("[2, 3]");
    }
}
