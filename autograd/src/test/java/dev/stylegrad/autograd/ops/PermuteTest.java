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

class PermuteTest {
    @Test
    void forwardMovesAxes() {
        INDArray x = random(50, 2, 3, 4);
        INDArray y = Ops.permute(Tensor.constant(x), 2, 0, 1).value();
        assertThat(y.shape()).containsExactly(4, 2, 3);
        assertThat(y.getDouble(3, 1, 2)).isEqualTo(x.getDouble(1, 2, 3));
        INDArray t = Ops.transpose(Tensor.constant(x), 0, -1).value();
        assertThat(t.shape()).containsExactly(4, 3, 2);
        assertThat(t.getDouble(3, 2, 1)).isEqualTo(x.getDouble(1, 2, 3));
    }

    @Test
    void gradient() {
        check("permute", t -> Ops.permute(t[0], 1, 3, 0, 2), random(51, 2, 3, 5, 4));
        check("transpose shared", t -> Ops.matmul(t[0], Ops.transpose(t[0], 0, 1)), random(52, 3, 5));
    }

    @Test
    void nonPermutationIsRejected() {
        assertThatThrownBy(() -> Ops.permute(Tensor.constant(random(1, 2, 3)), 0, 0)).hasMessageContaining("permutation");
    }
}
