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
        Object kernelStorage;
        try (MemoryScope scope = MemoryScope.open("test-keep")) {
            inside = Nd4j.rand(DataType.FLOAT, 64, 64).subi(0.5);
            INDArray viaKernel = Kernels.relu(inside);
            assertThat(inside.isAttached()).isTrue();          // ND4J's own allocations: the scope's workspace
            assertThat(scope.lentBytes()).isEqualTo(64 * 64 * 4); // our kernels' outputs: the scope's pool
            kernelStorage = MemoryScope.storage(viaKernel);
            kept = MemoryScope.keep(viaKernel);
            assertThat(MemoryScope.storage(kept)).isNotSameAs(kernelStorage);
        }
        double keptSum = kept.sumNumber().doubleValue();
        assertThat(keptSum).isPositive();
        // The next cycle reuses the kernel output's buffer; the kept copy is unaffected.
        try (MemoryScope scope = MemoryScope.open("test-keep")) {
            INDArray again = MemoryScope.allocate(DataType.FLOAT, 64, 64).assign(-1);
            assertThat(MemoryScope.storage(again)).isSameAs(kernelStorage);
        }
        assertThat(kept.sumNumber().doubleValue()).isEqualTo(keptSum);
        // Use of a workspace array after close is refused rather than reading freed memory.
        INDArray stale = inside;
        assertThatThrownBy(() -> stale.addi(1)).isExactlyInstanceOf(org.nd4j.linalg.exception.ND4JIllegalStateException.class)
                .hasMessageContaining("leaked workspace pointer from workspace [stylegrad-test-keep]")
                .hasMessageContaining("no longer open");
        MemoryScope.destroy("test-keep");
    }

    @Test
    void releasedBuffersAreReusedWithinTheScopeSoThePeakIsTheLiveSet() {
        try (MemoryScope scope = MemoryScope.open("test-release")) {
            INDArray a = MemoryScope.allocate(DataType.FLOAT, 1000);
            INDArray view = a.reshape(10, 100);
            MemoryScope.release(view); // a view hands back the whole buffer
            INDArray b = MemoryScope.allocate(DataType.FLOAT, 20, 50);
            assertThat(MemoryScope.storage(b)).isSameAs(MemoryScope.storage(a));
            INDArray c = MemoryScope.allocate(DataType.FLOAT, 1000);
            assertThat(MemoryScope.storage(c)).isNotSameAs(MemoryScope.storage(b));
            INDArray d = MemoryScope.allocate(DataType.DOUBLE, 1000); // another type never shares
            assertThat(MemoryScope.storage(d)).isNotSameAs(MemoryScope.storage(a)).isNotSameAs(MemoryScope.storage(c));
            assertThat(scope.peakLentBytes()).isEqualTo(4000 + 4000 + 8000);
            assertThat(scope.reservedBytes()).isGreaterThanOrEqualTo(16000);
            MemoryScope.release(Nd4j.ones(DataType.FLOAT, 1000)); // not the pool's: ignored
            assertThat(scope.lentBytes()).isEqualTo(16000);
        }
        MemoryScope.destroy("test-release");
    }

    @Test
    void lentSinceTellsArraysMadeAfterAMark() {
        try (MemoryScope scope = MemoryScope.open("test-mark")) {
            INDArray before = MemoryScope.allocate(DataType.FLOAT, 10);
            long mark = MemoryScope.allocations();
            INDArray after = MemoryScope.allocate(DataType.FLOAT, 10);
            assertThat(MemoryScope.lentSince(before, mark)).isFalse();
            assertThat(MemoryScope.lentSince(after, mark)).isTrue();
            assertThat(MemoryScope.lentSince(Nd4j.ones(DataType.FLOAT, 3), 0)).isFalse();
        }
        MemoryScope.destroy("test-mark");
    }

    @Test
    void outsideCreatesLongLivedArrays() {
        INDArray state;
        INDArray allocated;
        try (MemoryScope scope = MemoryScope.open("test-outside")) {
            state = MemoryScope.outside(() -> Nd4j.zeros(DataType.FLOAT, 10));
            allocated = MemoryScope.outside(() -> MemoryScope.allocate(DataType.FLOAT, 10).assign(2));
            assertThat(state.isAttached()).isFalse();
            assertThat(scope.lentBytes()).isZero();
        }
        assertThat(state.addi(1).sumNumber().doubleValue()).isEqualTo(10.0);
        assertThat(allocated.sumNumber().doubleValue()).isEqualTo(20.0);
        MemoryScope.destroy("test-outside");
    }

    /**
     * A freed block serves a smaller array (up to four times smaller) through a buffer of the array's exact length,
     * which ND4J does not treat as a view; a much smaller array gets a block of its own.
     */
    @Test
    void aFreedBlockServesSmallerArraysThatAreNotViews() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Nd4j.getEnvironment().isCPU(), "views of blocks are a host-memory path");
        try (MemoryScope scope = MemoryScope.open("test-best-fit")) {
            INDArray big = MemoryScope.allocate(DataType.FLOAT, 1000, 1000);
            long address = big.data().addressPointer().address();
            MemoryScope.release(big);
            INDArray smaller = MemoryScope.allocate(DataType.FLOAT, 900, 1000).assign(3);
            assertThat(smaller.data().addressPointer().address()).isEqualTo(address);
            assertThat(smaller.isView()).isFalse();
            assertThat(smaller.data().length()).isEqualTo(900_000L);
            assertThat(scope.reservedBytes() - scope.lentBytes()).isLessThan(4_000_000L); // no second block
            assertThat(scope.lentBytes()).isEqualTo(3_600_000L);
            assertThat(smaller.sumNumber().doubleValue()).isEqualTo(2_700_000.0);
            MemoryScope.release(smaller);
            assertThat(scope.lentBytes()).isZero();
            INDArray tiny = MemoryScope.allocate(DataType.FLOAT, 200, 1000);
            assertThat(tiny.data().addressPointer().address()).as("five times smaller: a block of its own").isNotEqualTo(address);
            INDArray again = MemoryScope.allocate(DataType.FLOAT, 1000, 1000);
            assertThat(again.data().addressPointer().address()).as("the freed block, whole").isEqualTo(address);
        }
        MemoryScope.destroy("test-best-fit");
    }

    @Test
    void repeatedScopesReuseTheMemoryOfTheFirstCycle() {
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

    @Test
    void misuseIsRefusedWithAClearMessage() {
        try (MemoryScope outer = MemoryScope.open("test-misuse")) {
            assertThatThrownBy(() -> MemoryScope.open("test-misuse")).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("memory scope 'test-misuse' is already open on this thread");
            assertThatThrownBy(() -> MemoryScope.destroy("test-misuse")).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("memory scope 'test-misuse' is still open; close it before destroying it");
            MemoryScope inner = MemoryScope.open("test-misuse-inner");
            assertThatThrownBy(outer::close).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("memory scope 'test-misuse' closed out of order (innermost open is 'test-misuse-inner')");
            inner.close();
        }
        MemoryScope.destroy("test-misuse");
        MemoryScope.destroy("test-misuse-inner");
    }
}
