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

class ReluTest {
    @Test
    void forwardZeroesNegatives() {
        INDArray x = Nd4j.create(new double[] {-2, -0.5, 0, 0.5, 3}, new long[] {5}, 'c');
        assertThat(Ops.relu(Tensor.constant(x)).value().toDoubleVector()).containsExactly(0, 0, 0, 0.5, 3);
    }

    @Test
    void gradient() {
        check("relu", t -> Ops.relu(t[0]), random(90, 2, 3, 5, 4));
        check("relu shared", t -> Ops.mul(Ops.relu(t[0]), t[0]), random(91, 3, 7));
    }

    @Test
    void gradientAtZeroIsZeroAsInPyTorch() {
        Tensor x = Tensor.parameter(Nd4j.create(new double[] {-1, 0, 2}, new long[] {3}, 'c'));
        Ops.sum(Ops.relu(x)).backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(0, 0, 1);
    }
}
