package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OffHeapMemoryTest {
    @Test
    void seesLiveArraysAndTheirRelease() {
        long before = OffHeapMemory.arrayBytes();
        List<INDArray> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) held.add(Nd4j.zeros(DataType.FLOAT, 1000, 100)); // 10 x 400,000 bytes
        long during = OffHeapMemory.arrayBytes();
        assertThat(during - before).isEqualTo(4_000_000L);
        // Views share their owner's buffer and are not counted twice.
        INDArray view = held.get(0).reshape(100, 1000);
        assertThat(OffHeapMemory.arrayBytes() - before).isEqualTo(4_000_000L);
        held.forEach(INDArray::close);
        held.clear();
        assertThat(view.isView()).isTrue();
        assertThat(OffHeapMemory.arrayBytes() - before).isEqualTo(0L);
    }
}
