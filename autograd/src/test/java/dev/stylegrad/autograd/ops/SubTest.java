package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SubTest {
    @Test
    void forwardMatchesElementwiseArithmeticWithBroadcasting() {
        INDArray a = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c');
        INDArray b = Nd4j.create(new double[] {10, 20, 30}, new long[] {3}, 'c');
        INDArray out = Ops.sub(Tensor.constant(a), Tensor.constant(b)).value();
        assertThat(out.shape()).containsExactly(2, 3);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                double x = a.getDouble(i, j), y = b.getDouble(j);
                assertThat(out.getDouble(i, j)).isCloseTo(x - y, org.assertj.core.api.Assertions.within(1e-12));
            }
        }
    }

    @RepeatedTest(3)
    void gradientSameShapeRandomSizes(RepetitionInfo rep) {
        Random r = new Random(rep.getCurrentRepetition());
        long[] shape = {2 + r.nextInt(2), 1 + r.nextInt(4), 3 + 2 * r.nextInt(2), 2 + r.nextInt(3)};
        check("sub same shape " + java.util.Arrays.toString(shape), t -> Ops.sub(t[0], t[1]), random(1, shape), random(2, shape));
    }

    @Test
    void gradientBroadcastsBothWays() {
        // [3,1,5] op [4,1] -> [3,4,5]: both inputs are broadcast and their gradients must be summed back.
        check("sub broadcast", t -> Ops.sub(t[0], t[1]), random(3, 3, 1, 5), random(4, 4, 1));
        check("sub scalar-like", t -> Ops.sub(t[0], t[1]), random(5, 2, 3, 3), random(6, 1));
    }

    @Test
    void gradientWhenOneInputIsUsedTwice() {
        check("sub shared input", t -> Ops.sub(t[0], Ops.sub(t[0], t[1])), random(7, 2, 5, 3), random(8, 5, 3));
    }

    @Test
    void onlyInputsThatNeedGradientsGetThem() {
        Tensor a = Tensor.parameter(random(9, 2, 3)), b = Tensor.constant((random(10, 2, 3)));
        Ops.sum(Ops.sub(a, b)).backward();
        assertThat(a.grad()).isNotNull();
        assertThat(b.grad()).isNull();
    }

    @Test
    void incompatibleShapesAreRejectedWithBothShapes() {
        assertThatThrownBy(() -> Ops.sub(Tensor.constant(random(1, 2, 3)), Tensor.constant(random(2, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("[4]");
    }
}
