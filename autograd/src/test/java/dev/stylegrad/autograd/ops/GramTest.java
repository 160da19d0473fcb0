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

class GramTest {
    @Test
    void forwardIsFeatureInnerProducts() {
        INDArray f = random(140, 2, 3, 4, 5);
        INDArray g = Ops.gram(Tensor.constant(f)).value();
        assertThat(g.shape()).containsExactly(2, 3, 3);
        for (int n = 0; n < 2; n++) for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) {
            double s = 0;
            for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) s += f.getDouble(n, a, i, j) * f.getDouble(n, b, i, j);
            assertThat(g.getDouble(n, a, b)).isCloseTo(s, within(1e-12));
        }
    }

    @Test
    void gradient() {
        check("gram [2,3,4,5]", t -> Ops.gram(t[0]), random(141, 2, 3, 4, 5));
        check("gram [1,5,3,1]", t -> Ops.gram(t[0]), random(142, 1, 5, 3, 1));
        check("gram shared", t -> Ops.mse(Ops.gram(t[0]), Ops.gram(Ops.mul(t[0], t[0]))), random(143, 2, 2, 3, 3));
    }

    @Test
    void nonImageInputIsRejected() {
        assertThatThrownBy(() -> Ops.gram(Tensor.constant(random(1, 3, 4)))).hasMessageContaining("rank 4");
    }
}
