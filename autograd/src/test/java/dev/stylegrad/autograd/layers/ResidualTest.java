package dev.stylegrad.autograd.layers;

import static dev.stylegrad.autograd.GradCheck.random;
import static dev.stylegrad.autograd.layers.SequentialTest.BYTES;
import static dev.stylegrad.autograd.layers.SequentialTest.DOUBLE;
import static dev.stylegrad.autograd.layers.SequentialTest.SHAPE;
import static dev.stylegrad.autograd.layers.SequentialTest.lent;
import static dev.stylegrad.autograd.layers.SequentialTest.stillLent;
import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.MemoryScope;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** {@link Residual}: {@code block(x) + x}, the block's output handed back after the sum unless a tape may read it. */
class ResidualTest {
    @Test
    void withoutATapeTheBlocksOutputGoesAndTheInputStays() {
        INDArray values = random(11, SHAPE);
        try (MemoryScope scope = MemoryScope.open("residual-no-grad"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(values));
            Tensor y = Residual.of(DOUBLE, Ops::relu).forward(x);
            assertIdentical("relu(2x) + x", y.value(), Transforms.relu(values.mul(2), true).add(values));
            assertThat(stillLent(x)).isTrue();
            assertThat(scope.lentBytes()).as("x and the sum").isEqualTo(2 * BYTES);
        } finally {
            MemoryScope.destroy("residual-no-grad");
        }
    }

    @Test
    void insideASequentialTheInputGoesAfterTheSum() {
        try (MemoryScope scope = MemoryScope.open("residual-in-sequential"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(random(12, SHAPE)));
            Sequential.of(DOUBLE, Residual.of(DOUBLE), DOUBLE).forward(x);
            assertThat(scope.lentBytes()).as("x and the result").isEqualTo(2 * BYTES);
        } finally {
            MemoryScope.destroy("residual-in-sequential");
        }
    }

    @Test
    void whenRecordingNothingIsReleasedAndTheGradientIsExact() {
        INDArray values = random(13, SHAPE);
        try (MemoryScope scope = MemoryScope.open("residual-recording")) {
            Tensor x = Tensor.parameter(lent(values));
            Tensor y = Residual.of(DOUBLE, Ops::relu).forward(x);
            assertThat(scope.lentBytes()).as("x, 2x, relu(2x) and the sum").isEqualTo(4 * BYTES);
            Ops.sum(y).backward();
            assertIdentical("gradient", x.grad(), values.gt(0).castTo(DataType.DOUBLE).mul(2).add(1));
        } finally {
            MemoryScope.destroy("residual-recording");
        }
    }
}
