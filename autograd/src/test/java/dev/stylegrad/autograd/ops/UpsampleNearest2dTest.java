package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class UpsampleNearest2dTest {
    @Test
    void forwardRepeatsEachPixelIntoABlock() {
        INDArray x = random(1611, 2, 3, 4, 5);
        for (int s : new int[] {1, 2, 3}) {
            INDArray y = Ops.upsampleNearest2d(Tensor.constant(x), s).value();
            assertThat(y.shape()).containsExactly(2, 3, 4L * s, 5L * s);
            for (int i = 0; i < 4 * s; i++) {
                for (int j = 0; j < 5 * s; j++) {
                    assertThat(y.getDouble(1, 2, i, j)).as("factor %d at (%d, %d)", s, i, j).isEqualTo(x.getDouble(1, 2, i / s, j / s));
                }
            }
        }
    }

    @Test
    void gradient() {
        check("upsample x2", t -> Ops.upsampleNearest2d(t[0], 2), random(1612, 2, 3, 4, 5));
        check("upsample x3", t -> Ops.upsampleNearest2d(t[0], 3), random(1613, 1, 2, 3, 2));
    }
}
