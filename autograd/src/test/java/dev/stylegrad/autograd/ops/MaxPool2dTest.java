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

import dev.stylegrad.tensor.Pool2dSpec;

class MaxPool2dTest {
    @Test
    void forwardTakesWindowMaxima() {
        INDArray x = random(120, 2, 3, 7, 5);
        Pool2dSpec spec = Pool2dSpec.VGG;
        INDArray y = Ops.maxPool2d(Tensor.constant(x), spec).value();
        assertThat(y.shape()).containsExactly(2, 3, 3, 2);
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) m = Math.max(m, x.getDouble(n, c, 2 * i + a, 2 * j + b));
            assertThat(y.getDouble(n, c, i, j)).isEqualTo(m);
        }
    }

    @Test
    void gradient() {
        check("maxpool2d 2x2/2 odd", t -> Ops.maxPool2d(t[0], Pool2dSpec.VGG), random(121, 2, 3, 7, 5));
        check("maxpool2d 3x2 stride(2,1) pad(1,1)", t -> Ops.maxPool2d(t[0], new Pool2dSpec(3, 2, 2, 1, 1, 1, true)), random(122, 2, 2, 6, 5));
        check("maxpool2d shared", t -> Ops.maxPool2d(Ops.mul(t[0], t[0]), Pool2dSpec.VGG), random(123, 1, 2, 4, 6));
    }
}
