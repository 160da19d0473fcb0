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

class AddScalarTest {
    @Test
    void forwardMatchesScalarMath() {
        INDArray x = (random(11, 3, 5));
        INDArray out = Ops.add(Tensor.constant(x), 2.5).value();
        assertThat(out.shape()).containsExactly(3, 5);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                double v = x.getDouble(i, j);
                assertThat(out.getDouble(i, j)).isCloseTo(v + 2.5, within(1e-12));
            }
        }
    }

    @Test
    void gradientOnBatchedOddShapes() {
        check("AddScalar [2,3,5,7]", t -> Ops.add(t[0], 2.5), (random(12, 2, 3, 5, 7)));
        check("AddScalar [3,1,4]", t -> Ops.add(t[0], 2.5), (random(13, 3, 1, 4)));
    }

    @Test
    void gradientWhenInputFeedsTwoBranches() {
        check("AddScalar shared", t -> Ops.mul(Ops.add(t[0], 2.5), Ops.add(t[0], Ops.add(t[0], 2.5))), (random(14, 2, 4, 3)));
    }
}
