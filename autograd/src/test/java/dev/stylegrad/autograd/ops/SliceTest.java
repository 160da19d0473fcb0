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

class SliceTest {
    @Test
    void forwardTakesTheBox() {
        INDArray x = random(60, 3, 5, 4);
        INDArray y = Ops.slice(Tensor.constant(x), new long[] {1, 0, 2}, new long[] {3, 5, 3}).value();
        assertThat(y.shape()).containsExactly(2, 5, 1);
        assertThat(y.getDouble(1, 4, 0)).isEqualTo(x.getDouble(2, 4, 2));
    }

    @Test
    void gradientScattersIntoZeros() {
        check("slice", t -> Ops.slice(t[0], new long[] {0, 1, 1}, new long[] {2, 4, 5}), random(61, 3, 5, 6));
        check("slice shared", t -> Ops.add(Ops.slice(t[0], new long[] {0, 0}, new long[] {2, 3}),
                Ops.slice(t[0], new long[] {1, 1}, new long[] {3, 4})), random(62, 3, 5));
    }

    @Test
    void outOfRangeIsRejected() {
        assertThatThrownBy(() -> Ops.slice(Tensor.constant(random(1, 2, 3)), new long[] {0, 0}, new long[] {2, 4}))
                .hasMessageContaining("axis 1");
    }
}
