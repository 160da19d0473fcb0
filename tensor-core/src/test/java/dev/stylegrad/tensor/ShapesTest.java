package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ShapesTest {
    @Test
    void broadcastFollowsNumPy() {
        assertThat(Shapes.broadcast("op", new long[] {3, 1, 5}, new long[] {4, 1})).containsExactly(3, 4, 5);
        assertThat(Shapes.broadcast("op", new long[] {}, new long[] {2})).containsExactly(2);
        assertThatThrownBy(() -> Shapes.broadcast("add", new long[] {2, 3}, new long[] {4}))
                .hasMessage("add: shapes [2, 3] and [4] do not broadcast (dimension 1 of the result: 3 vs 4)");
    }

    @Test
    void checksNameOpArgumentAndShapes() {
        assertThatThrownBy(() -> Shapes.requireRank("conv2d", "input", Nd4j.zeros(2, 3), 4))
                .hasMessage("conv2d: input must have rank 4, but has shape [2, 3]");
        assertThatThrownBy(() -> Shapes.requireSameDType("mse", "a", Nd4j.zeros(DataType.FLOAT, 2), "b", Nd4j.zeros(DataType.DOUBLE, 2)))
                .hasMessageContaining("a is FLOAT32 and b is FLOAT64");
        assertThatThrownBy(() -> DType.of("relu", "x", Nd4j.zeros(DataType.INT, 2)))
                .hasMessageContaining("relu: x must be float32 or float64");
        assertThat(Shapes.axis("sum", -1, 3)).isEqualTo(2);
        assertThatThrownBy(() -> Shapes.axis("sum", 3, 3)).hasMessageContaining("axis 3 is out of range for rank 3");
    }
}
