package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.ExactArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class BoxDotTest {
    static final long[] BEGIN = {0, 1, 1, 2}, END = {2, 3, 4, 6};

    @Test
    void forwardIsTheSumOfTheSlicedProduct() {
        INDArray x = random(70, 2, 3, 5, 6), c = random(71, 2, 2, 3, 4);
        double got = Ops.boxDot(Tensor.constant(x), Tensor.constant(c), BEGIN, END).value().getDouble(0);
        double want = Ops.sum(Ops.mul(Ops.slice(Tensor.constant(x), BEGIN, END), Tensor.constant(c))).value().getDouble(0);
        assertThat(got).isCloseTo(want, within(1e-12));
    }

    @Test
    void gradientsAreTheOtherFactorInTheBoxAndZeroOutside() {
        check("boxDot", t -> Ops.boxDot(t[0], t[1], BEGIN, END), random(72, 2, 3, 5, 6), random(73, 2, 2, 3, 4));
        check("boxDot whole", t -> Ops.boxDot(t[0], t[1], new long[] {0, 0}, new long[] {3, 4}), random(74, 3, 4), random(75, 3, 4));
        // x's gradient equals the composed slice-mul-sum's exactly (the same products, scattered the same way)
        Tensor x = Tensor.parameter(random(76, 2, 3, 5, 6)), x2 = Tensor.parameter(x.value().dup());
        INDArray c = random(77, 2, 2, 3, 4);
        Ops.mul(Ops.boxDot(x, Tensor.constant(c), BEGIN, END), 3.0).backward();
        Ops.mul(Ops.sum(Ops.mul(Ops.slice(x2, BEGIN, END), Tensor.constant(c))), 3.0).backward();
        ExactArrays.assertIdentical("boxDot vs slice-mul-sum gradient", x.grad(), x2.grad());
    }

    @Test
    void badBoxesAndShapesAreRejected() {
        Tensor x = Tensor.constant(random(1, 2, 3)), c = Tensor.constant(random(2, 2, 2));
        assertThatThrownBy(() -> Ops.boxDot(x, c, new long[] {0, 2}, new long[] {2, 4})).hasMessageContaining("axis 1");
        assertThatThrownBy(() -> Ops.boxDot(x, c, new long[] {0, 0}, new long[] {2, 3})).hasMessageContaining("c has shape [2, 2]");
        assertThatThrownBy(() -> Ops.boxDot(x, c, new long[] {0}, new long[] {2})).hasMessageContaining("one entry per axis");
    }
}
