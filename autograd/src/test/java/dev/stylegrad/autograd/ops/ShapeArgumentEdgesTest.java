package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shape arguments of reshape, slice, permute, transpose, concat and the reductions on both sides of every limit:
 * what is accepted gives the right shape and values, what is refused fails with the op's own message.
 */
class ShapeArgumentEdgesTest {
    static Tensor t23() {
        return Tensor.constant(Nd4j.create(new double[] {0, 1, 2, 3, 4, 5}, new long[] {2, 3}, 'c'));
    }

    @Test
    void reshapeInfersMinusOneAtAnyPosition() {
        assertThat(Ops.reshape(t23(), -1, 2).shape()).containsExactly(3, 2);
        assertThat(Ops.reshape(t23(), 3, -1).shape()).containsExactly(3, 2);
        assertThat(Ops.reshape(t23(), -1).shape()).containsExactly(6);
        assertThat(Ops.reshape(t23(), 1, -1, 1).shape()).containsExactly(1, 6, 1);
        assertThat(Ops.reshape(t23(), -1, 2).value().toDoubleMatrix()[2]).containsExactly(4, 5);
        Tensor empty = Tensor.constant(Nd4j.create(DataType.DOUBLE, 0, 3));
        assertThat(Ops.reshape(empty, 3, -1).shape()).containsExactly(3, 0);
        assertThat(Ops.reshape(empty, 0, 3).shape()).containsExactly(0, 3);
    }

    @Test
    void reshapeRefusesWhatCannotBeInferred() {
        assertThatThrownBy(() -> Ops.reshape(t23(), -1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than one -1 in [-1, -1]");
        assertThatThrownBy(() -> Ops.reshape(t23(), 2, -1, -1)).hasMessageContaining("more than one -1");
        assertThatThrownBy(() -> Ops.reshape(t23(), 2, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative size in [2, -2]");
        assertThatThrownBy(() -> Ops.reshape(t23(), 0, 6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot reshape [2, 3] (6 elements) to [0, 6]");
        assertThatThrownBy(() -> Ops.reshape(t23(), 0, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot reshape [2, 3] (6 elements) to [0, -1]");
        assertThatThrownBy(() -> Ops.reshape(t23(), 4, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to [4, -1]");
        assertThatThrownBy(() -> Ops.reshape(t23(), 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to [7]");
        Tensor empty = Tensor.constant(Nd4j.create(DataType.DOUBLE, 0, 3));
        assertThatThrownBy(() -> Ops.reshape(empty, -1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot reshape [0, 3] (0 elements) to [-1, 0]");
        assertThatThrownBy(() -> Ops.reshape(empty, 0, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to [0, -1]");
    }

    @Test
    void sliceAcceptsTheWholeAxisAndRefusesEmptyOrOutsideRanges() {
        assertThat(Ops.slice(t23(), new long[] {0, 0}, new long[] {2, 3}).value().length()).isEqualTo(6);
        assertThat(Ops.slice(t23(), new long[] {1, 2}, new long[] {2, 3}).value().getDouble(0, 0)).isEqualTo(5);
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {-1, 0}, new long[] {2, 3})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("range [-1, 2) on axis 0 is empty or outside size 2 of [2, 3]");
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {0, 0}, new long[] {2, 4})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("range [0, 4) on axis 1");
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {0, 1}, new long[] {2, 1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("range [1, 1) on axis 1");
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {0, 2}, new long[] {2, 1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {0}, new long[] {2, 3})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must have one entry per axis of [2, 3]");
        assertThatThrownBy(() -> Ops.slice(t23(), new long[] {0, 0}, new long[] {2})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must have one entry per axis");
    }

    @Test
    void permuteRefusesAxesOutsideTheRank() {
        assertThatThrownBy(() -> Ops.permute(t23(), 0, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("order [0, 2] is not a permutation of 0..1");
        assertThatThrownBy(() -> Ops.permute(t23(), -1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a permutation of 0..1");
        assertThatThrownBy(() -> Ops.permute(t23(), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ops.permute(t23(), 1, 0, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must list all 2 axes of [2, 3]");
        assertThat(Ops.permute(t23(), 1, 0).value().toDoubleMatrix()[2]).containsExactly(2, 5);
        Tensor x = Tensor.constant(random(3, 2, 3, 4));
        assertThat(Ops.transpose(x, 0, -1).shape()).containsExactly(4, 3, 2);
        assertThat(Ops.transpose(x, 2, 1).shape()).containsExactly(2, 4, 3);
        assertThat(Ops.transpose(x, 1, 2).value().getDouble(1, 3, 2)).isEqualTo(x.value().getDouble(1, 2, 3));
    }

    @Test
    void concatChecksEveryInputAgainstTheFirst() {
        Tensor a = Tensor.constant(random(4, 2, 3)), b = Tensor.constant(random(5, 2, 1)), c = Tensor.constant(random(6, 3, 1));
        assertThat(Ops.concat(1, a, b).shape()).containsExactly(2, 4);
        assertThat(Ops.concat(-1, a, b, b).shape()).containsExactly(2, 5);
        assertThatThrownBy(() -> Ops.concat(1, a, b, c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("concat: input 2 has shape [3, 1], which does not match input 0 [2, 3] outside axis 1");
        assertThatThrownBy(() -> Ops.concat(0, a, Tensor.constant(random(7, 2, 3, 1)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input 1 has shape [2, 3, 1]");
        assertThatThrownBy(() -> Ops.concat(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concat: no inputs");
        // Gradients go back to each input's own slice, also for an input that needs none in the middle.
        Tensor p = Tensor.parameter(random(8, 2, 2)), q = Tensor.parameter(random(9, 2, 3));
        Tensor w = Tensor.constant(Nd4j.create(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, new long[] {2, 7}, 'c'));
        Ops.sum(Ops.mul(Ops.concat(1, p, Tensor.constant(random(10, 2, 2)), q), w)).backward();
        assertThat(p.grad().toDoubleMatrix()[1]).containsExactly(8, 9);
        assertThat(q.grad().toDoubleMatrix()[0]).containsExactly(5, 6, 7);
        assertThat(q.grad().toDoubleMatrix()[1]).containsExactly(12, 13, 14);
    }

    @Test
    void mseNeedsTheSameShapeNotABroadcastableOne() {
        assertThatThrownBy(() -> Ops.mse(t23(), Tensor.constant(random(11, 3)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mse");
        assertThat(Ops.mse(t23(), Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 3))).value().getDouble(0)).isEqualTo(55.0 / 6);
    }

    @Test
    void reductionsOverChosenAxes() {
        Tensor x = Tensor.parameter(Nd4j.create(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, new long[] {2, 3, 2}, 'c'));
        Tensor s = Ops.sum(x, false, 2, 0);
        assertThat(s.shape()).containsExactly(3);
        assertThat(s.value().toDoubleVector()).containsExactly(0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11);
        Tensor m = Ops.mean(x, true, -2);
        assertThat(m.shape()).containsExactly(2, 1, 2);
        assertThat(m.value().ravel().toDoubleVector()).containsExactly(2, 3, 8, 9);
        Ops.sum(Ops.mul(m, Tensor.constant(Nd4j.create(new double[] {3, 6, 9, 12}, new long[] {2, 1, 2}, 'c')))).backward();
        assertThat(x.grad().ravel().toDoubleVector()).containsExactly(1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4);
        assertThatThrownBy(() -> Ops.sum(x, false, 1, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sum: repeated axis in [1, -2]");
        assertThatThrownBy(() -> Ops.mean(x, false, 0, 0)).hasMessageContaining("mean: repeated axis");
        assertThat(Ops.mean(x).value().getDouble(0)).isEqualTo(5.5);
        assertThat(Ops.mean(x, false).value().getDouble(0)).isEqualTo(5.5);
    }
}
