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

class MatMulTest {
    @Test
    void forwardMatchesTripleLoop() {
        INDArray a = random(80, 3, 4), b = random(81, 4, 5);
        INDArray c = Ops.matmul(Tensor.constant(a), Tensor.constant(b)).value();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int k = 0; k < 4; k++) s += a.getDouble(i, k) * b.getDouble(k, j);
                assertThat(c.getDouble(i, j)).isCloseTo(s, within(1e-12));
            }
        }
        INDArray ab = random(82, 2, 3, 4), bb = random(83, 2, 4, 2);
        INDArray cb = Ops.matmul(Tensor.constant(ab), Tensor.constant(bb)).value();
        assertThat(cb.shape()).containsExactly(2, 3, 2);
        assertThat(cb.getDouble(1, 2, 1)).isCloseTo(ab.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).mmul(
                bb.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1))).getDouble(2, 1), within(1e-12));
    }

    @Test
    void gradientRank2BatchedAndShared() {
        check("matmul 2d", t -> Ops.matmul(t[0], t[1]), random(84, 3, 7), random(85, 7, 2));
        check("matmul batched", t -> Ops.matmul(t[0], t[1]), random(86, 3, 2, 5), random(87, 3, 5, 4));
        check("matmul shared", t -> Ops.matmul(t[0], t[0]), random(88, 4, 4));
    }

    @Test
    void innerDimensionMismatchIsRejected() {
        assertThatThrownBy(() -> Ops.matmul(Tensor.constant(random(1, 2, 3)), Tensor.constant(random(2, 4, 2))))
                .hasMessageContaining("inner dimensions").hasMessageContaining("[2, 3]");
    }
}
