package dev.stylegrad.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.OffHeapMemory;
import dev.stylegrad.tensor.Pool2dSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Off-heap memory stays flat over 2,000 optimization steps of a small conv chain when each step runs in a {@link
 * MemoryScope}, and the same measurement catches a deliberate leak of one array per step.
 */
class MemoryTest {
    static final int STEPS = 2_000;
    static final int WARM_UP = 100;

    /** The persistent state of a tiny style-transfer-like optimization. */
    static final class Chain {
        final INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 24, 20);
        final INDArray w1 = Nd4j.rand(DataType.FLOAT, 8, 3, 3, 3).subi(0.5);
        final INDArray b1 = Nd4j.rand(DataType.FLOAT, 8).subi(0.5);
        final INDArray w2 = Nd4j.rand(DataType.FLOAT, 8, 8, 3, 3).subi(0.5);
        final INDArray targetGram = Nd4j.rand(DataType.FLOAT, 1, 8, 8);
        final List<INDArray> leaked = new ArrayList<>();

        /** conv-relu-pool-conv-relu-gram-mse, backward to the image, gradient step on the image in place. */
        void step(boolean leak) {
            try (MemoryScope scope = MemoryScope.open("memory-test")) {
                Tensor x = Tensor.parameter(image);
                Tensor h = Ops.relu(Ops.conv2d(x, Tensor.constant(w1), Tensor.constant(b1), Conv2dSpec.SAME_3X3));
                h = Ops.maxPool2d(h, Pool2dSpec.VGG);
                h = Ops.relu(Ops.conv2d(h, Tensor.constant(w2), null, Conv2dSpec.SAME_3X3));
                Tensor loss = Ops.mse(Ops.gram(h), Tensor.constant(targetGram));
                loss.backward();
                image.subi(x.grad().mul(1e-4));
                if (leak) leaked.add(MemoryScope.keep(x.grad())); // 1*3*24*20 floats = 5,760 bytes per step
            }
        }
    }

    private static long[] run(boolean leak) {
        Chain chain = new Chain();
        long atWarmUp = 0;
        for (int i = 1; i <= STEPS; i++) {
            chain.step(leak);
            if (i == WARM_UP) atWarmUp = OffHeapMemory.totalBytes();
        }
        long atEnd = OffHeapMemory.totalBytes();
        MemoryScope.destroy("memory-test");
        System.out.printf("memory test (leak=%s): off-heap bytes after %d steps %,d; after %d steps %,d; growth %,d%n",
                leak, WARM_UP, atWarmUp, STEPS, atEnd, atEnd - atWarmUp);
        return new long[] {atWarmUp, atEnd};
    }

    @Test
    void offHeapBytesDoNotGrowAfterWarmUp() {
        long[] bytes = run(false);
        assertThat(bytes[1] - bytes[0]).isLessThanOrEqualTo(0L);
    }

    @Test
    void theSameMeasurementCatchesADeliberateLeak() {
        long[] bytes = run(true);
        assertThat(bytes[1] - bytes[0]).isEqualTo((STEPS - WARM_UP) * 1L * 3 * 24 * 20 * 4);
    }
}
