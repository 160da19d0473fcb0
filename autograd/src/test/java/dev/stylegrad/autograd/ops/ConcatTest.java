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

class ConcatTest {
    @Test
    void forwardJoinsAlongAxis() {
        INDArray a = random(70, 2, 3), b = random(71, 2, 4);
        INDArray y = Ops.concat(1, Tensor.constant(a), Tensor.constant(b)).value();
        assertThat(y.shape()).containsExactly(2, 7);
        assertThat(y.getDouble(1, 5)).isEqualTo(b.getDouble(1, 2));
    }

    @Test
    void gradientSplitsBack() {
        check("concat axis 1", t -> Ops.concat(1, t[0], t[1], t[2]), random(72, 2, 3, 4), random(73, 2, 1, 4), random(74, 2, 5, 4));
        check("concat shared", t -> Ops.concat(-1, t[0], Ops.square(t[0])), random(75, 3, 5));
        check("concat one constant", t -> Ops.concat(0, t[0], t[1]), new boolean[] {true, false}, random(76, 2, 3), random(77, 1, 3));
    }

    @Test
    void mismatchedShapesAreRejected() {
        assertThatThrownBy(() -> Ops.concat(0, Tensor.constant(random(1, 2, 3)), Tensor.constant(random(2, 2, 4))))
                .hasMessageContaining("[2, 4]");
    }
}
