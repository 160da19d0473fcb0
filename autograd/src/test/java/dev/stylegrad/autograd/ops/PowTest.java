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

class PowTest {
    @Test
    void forwardMatchesScalarMath() {
        INDArray x = positive(random(11, 3, 5));
        INDArray out = Ops.pow(Tensor.constant(x), 2.5).value();
        assertThat(out.shape()).containsExactly(3, 5);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                double v = x.getDouble(i, j);
                assertThat(out.getDouble(i, j)).isCloseTo(Math.pow(v, 2.5), within(1e-12));
            }
        }
    }

    @Test
    void gradientOnBatchedOddShapes() {
        check("Pow [2,3,5,7]", t -> Ops.pow(t[0], 2.5), positive(random(12, 2, 3, 5, 7)));
        check("Pow [3,1,4]", t -> Ops.pow(t[0], 2.5), positive(random(13, 3, 1, 4)));
    }

    @Test
    void gradientWhenInputFeedsTwoBranches() {
        check("Pow shared", t -> Ops.mul(Ops.pow(t[0], 2.5), Ops.add(t[0], Ops.pow(t[0], 2.5))), positive(random(14, 2, 4, 3)));
    }

    /** Maps [-1, 1) to [0.25, 1.25), where the op is smooth and finite differences are well conditioned. */
    private static INDArray positive(INDArray x) {
        return x.mul(0.5).addi(0.75);
    }
}
