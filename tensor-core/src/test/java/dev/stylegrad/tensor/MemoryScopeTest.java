package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MemoryScopeTest {
    @Test
    void arraysCreatedInsideAreOwnedByTheScopeAndKeepCopiesOut() {
        INDArray kept;
        INDArray inside;
        try (MemoryScope scope = MemoryScope.open("test-keep")) {
            inside = Nd4j.rand(DataType.FLOAT, 64, 64);
            INDArray viaKernel = Kernels.relu(inside);
            assertThat(inside.isAttached()).isTrue();
            assertThat(viaKernel.isAttached()).isTrue();
            kept = MemoryScope.keep(viaKernel);
            assertThat(kept.isAttached()).isFalse();
        }
        assertThat(kept.minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0);
        // Use after close is refused rather than reading freed memory.
        INDArray stale = inside;
        assertThatThrownBy(() -> stale.addi(1)).isInstanceOf(RuntimeException.class);
        MemoryScope.destroy("test-keep");
    }

    @Test
    void outsideCreatesLongLivedArrays() {
        INDArray state;
        try (MemoryScope scope = MemoryScope.open("test-outside")) {
            state = MemoryScope.outside(() -> Nd4j.zeros(DataType.FLOAT, 10));
            assertThat(state.isAttached()).isFalse();
        }
        assertThat(state.addi(1).sumNumber().doubleValue()).isEqualTo(10.0);
        MemoryScope.destroy("test-outside");
    }

    @Test
    void repeatedScopesReuseOneBlockSizedByTheFirstCycle() {
        long[] reserved = new long[20];
        for (int i = 0; i < reserved.length; i++) {
            try (MemoryScope scope = MemoryScope.open("test-reuse")) {
                INDArray a = Nd4j.rand(DataType.FLOAT, 128, 128);
                Kernels.matmul(a, a, false, true);
                reserved[i] = scope.reservedBytes();
            }
        }
        assertThat(reserved[19]).isPositive().isEqualTo(reserved[1]);
        MemoryScope.destroy("test-reuse");
    }
}
