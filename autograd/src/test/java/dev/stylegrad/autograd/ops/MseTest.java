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

class MseTest {
    @Test
    void forwardIsMeanSquaredDifference() {
        INDArray a = Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {2, 2}, 'c');
        INDArray b = Nd4j.create(new double[] {0, 2, 5, 1}, new long[] {2, 2}, 'c');
        assertThat(Ops.mse(Tensor.constant(a), Tensor.constant(b)).value().getDouble(0)).isCloseTo((1 + 0 + 4 + 9) / 4.0, within(1e-12));
    }

    /**
     * A float32 loss over millions of elements, as VGG's relu4_2 at 512 px: the sum is accumulated in float64, so the
     * float32 result is the exact mean rounded once (relative error below 1e-7), not a float32 running sum's drift.
     */
    @Test
    void float32ForwardOfMillionsOfElementsIsTheFloat64MeanRoundedOnce() {
        Nd4j.getRandom().setSeed(29);
        INDArray a = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 512, 32, 32).addi(1);
        INDArray b = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 512, 32, 32);
        INDArray a64 = a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), b64 = b.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        double exact = a64.sub(b64).muli(a64.sub(b64)).sumNumber().doubleValue() / a.length();
        double got = Ops.mse(Tensor.constant(a), Tensor.constant(b)).value().getDouble(0);
        assertThat(Math.abs(got - exact) / exact).as("relative error of the float32 loss").isLessThan(1e-7);
    }

    @Test
    void gradient() {
        check("mse", t -> Ops.mse(t[0], t[1]), random(150, 2, 3, 5, 4), random(151, 2, 3, 5, 4));
        check("mse constant target", t -> Ops.mse(t[0], t[1]), new boolean[] {true, false}, random(152, 3, 7), random(153, 3, 7));
        check("mse shared", t -> Ops.mse(t[0], Ops.square(t[0])), random(154, 2, 5));
    }

    @Test
    void shapeMismatchIsRejected() {
        assertThatThrownBy(() -> Ops.mse(Tensor.constant(random(1, 2, 3)), Tensor.constant(random(2, 3, 2))))
                .hasMessageContaining("[2, 3]").hasMessageContaining("[3, 2]");
    }
}
