package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static dev.stylegrad.tensor.ExactArrays.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every float32 kernel a style step calls, run from several threads at once, must give exactly (max |difference| = 0)
 * what it gives on one thread: convolutions with and without the fused ReLU and bias, their input gradients, with
 * frozen and unfrozen weights, at VGG19's real layer widths; Gram matrices, products in every transpose, and the
 * Gram backward's 1x1 convolution; the same in bf16 where the CPU runs it. Runs on whichever path this JVM takes (oneDNN, or libnd4j's ops with
 * {@code -Dstylegrad.onednn=false}, which CI also runs), and under {@code DNNL_MAX_CPU_ISA=AVX2} in CI's capped pass.
 *
 * <p>What it caught: oneDNN primitives made in the default (library) scratchpad mode share one scratchpad, so two
 * threads running a cached primitive at once corrupted each other's results (AVX-512 kernels; see {@link OneDnn}).
 */
@Tag("kernels")
@Tag("concurrency")
class KernelConcurrencyTest {
    private static final int THREADS = 4, ROUNDS = 6;

    /** One kernel call on fixed inputs, with a name for failure messages. */
    private record Work(String name, Supplier<INDArray> call) {}

    /** VGG19's convolutions {in, out} at a 64x48 image: the side halves after each block's pooling. */
    private static final int[][] VGG_LAYERS = {
        {3, 64, 64, 48}, {64, 64, 64, 48}, {64, 128, 32, 24}, {128, 128, 32, 24}, {128, 256, 16, 12}, {256, 256, 16, 12},
        {256, 512, 8, 6}, {512, 512, 8, 6}, {512, 512, 4, 3}};

    private static List<Work> works() {
        Nd4j.getRandom().setSeed(1101);
        List<Work> works = new ArrayList<>();
        for (int[] l : VGG_LAYERS) {
            int c = l[0], o = l[1], h = l[2], w = l[3];
            String at = c + "->" + o + " @" + h + "x" + w;
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, c, h, w);
            INDArray weight = Nd4j.randn(DataType.FLOAT, o, c, 3, 3).muli(Math.sqrt(2.0 / (9 * c)));
            INDArray frozen = weight.dup();
            Kernels.freezeConvolutionWeight(frozen);
            INDArray bias = Nd4j.randn(DataType.FLOAT, o).muli(0.1);
            INDArray gradOut = Nd4j.randn(DataType.FLOAT, 1, o, h, w);
            INDArray features = Nd4j.rand(DataType.FLOAT, 1, o, h * w);
            INDArray mix = Nd4j.randn(DataType.FLOAT, 1, c, c);
            works.add(new Work("conv2d " + at, () -> Kernels.conv2d(x, weight, null, Conv2dSpec.SAME_3X3)));
            works.add(new Work("conv2d+bias+relu " + at, () -> Kernels.conv2dRelu(x, weight, bias, Conv2dSpec.SAME_3X3)));
            works.add(new Work("conv2d+relu frozen " + at, () -> Kernels.conv2dRelu(x, frozen, null, Conv2dSpec.SAME_3X3)));
            works.add(new Work("input gradient " + at, () -> Kernels.conv2dInputGradient(gradOut, weight, x.shape(), Conv2dSpec.SAME_3X3)));
            works.add(new Work("input gradient frozen " + at, () -> Kernels.conv2dInputGradient(gradOut, frozen, x.shape(), Conv2dSpec.SAME_3X3)));
            works.add(new Work("gram " + o + "x" + (h * w), () -> Kernels.gram(features)));
            works.add(new Work("gram backward (mix channels) " + at, () -> Kernels.mixChannels(mix, x)));
            if (Precision.BF16.unavailableReason() == null) { // bf16 kernels and their frozen copies, where the CPU has them
                works.add(new Work("bf16 conv2d+bias+relu frozen " + at, () -> Kernels.conv2dRelu(x, frozen, bias, Conv2dSpec.SAME_3X3, Precision.BF16)));
                works.add(new Work("bf16 input gradient frozen " + at, () -> Kernels.conv2dInputGradient(gradOut, frozen, x.shape(), Conv2dSpec.SAME_3X3, Precision.BF16)));
                works.add(new Work("bf16 gram " + o + "x" + (h * w), () -> Kernels.gram(features, Precision.BF16)));
                works.add(new Work("bf16 gram backward " + at, () -> Kernels.mixChannels(mix, x, Precision.BF16)));
            }
        }
        // Odd shapes and strides, and products in every transpose, rank 2 and batched.
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 11, 17, 13), weight = Nd4j.randn(DataType.FLOAT, 13, 11, 3, 3);
        Conv2dSpec strided = Conv2dSpec.of(2, 1, 1);
        long[] outShape = {2, 13, strided.outH(17, 3), strided.outW(13, 3)};
        INDArray gradOut = Nd4j.randn(DataType.FLOAT, outShape);
        works.add(new Work("conv2d stride 2, odd sides", () -> Kernels.conv2dRelu(x, weight, null, strided)));
        works.add(new Work("input gradient stride 2, odd sides", () -> Kernels.conv2dInputGradient(gradOut, weight, x.shape(), strided)));
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                INDArray a = ta ? Nd4j.randn(DataType.FLOAT, 3, 200, 96) : Nd4j.randn(DataType.FLOAT, 3, 96, 200);
                INDArray b = tb ? Nd4j.randn(DataType.FLOAT, 3, 72, 200) : Nd4j.randn(DataType.FLOAT, 3, 200, 72);
                works.add(new Work("batched matmul ta=" + ta + " tb=" + tb, () -> Kernels.matmul(a, b, ta, tb)));
                INDArray a2 = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup('c');
                INDArray b2 = b.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).dup('c');
                works.add(new Work("matmul ta=" + ta + " tb=" + tb, () -> Kernels.matmul(a2, b2, ta, tb)));
            }
        }
        return works;
    }

    @Test
    void everyKernelGivesExactlyItsSingleThreadedResultWhenCalledFromSeveralThreadsAtOnce() throws Exception {
        List<Work> works = works();
        List<INDArray> want = new ArrayList<>();
        for (Work w : works) want.add(MemoryScope.outside(() -> w.call().get().dup()));
        long oneDnnBefore = OneDnnCalls.convolutions() + OneDnnCalls.products();

        ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < THREADS; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                try (MemoryScope scope = MemoryScope.open("kernel-concurrency")) {
                    start.await(1, TimeUnit.MINUTES);
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < works.size(); i++) order.add(i);
                    Random shuffle = new Random(seed);
                    for (int round = 0; round < ROUNDS; round++) {
                        Collections.shuffle(order, shuffle); // threads meet in different kernels, and in the same
                        for (int i : order) {
                            INDArray got = works.get(i).call().get();
                            double d = maxAbsDifference(got, want.get(i));
                            if (d != 0) mismatches.add(works.get(i).name() + ": max |difference| " + d + " (thread " + seed + ", round " + round + ")");
                            MemoryScope.release(got);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    MemoryScope.destroy("kernel-concurrency");
                }
            }, "kernel-concurrency-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) t.join(TimeUnit.MINUTES.toMillis(5));
        assertThat(errors).isEmpty();
        assertThat(mismatches).as("results that differ from the single-threaded ones").isEmpty();
        if (OneDnn.UNAVAILABLE == null) {
            // The path under test really is oneDNN's: each work is one oneDNN call (a Gram is one product, its
            // backward one 1x1 convolution), and every call of every thread went through it.
            assertThat(OneDnnCalls.convolutions() + OneDnnCalls.products() - oneDnnBefore)
                    .isEqualTo((long) THREADS * ROUNDS * works.size());
        }
    }

    @Test
    void repeatedCallsOnOneThreadAreBitIdentical() {
        // The premise of the test above: one thread, the same inputs, the same bits, call after call.
        List<Work> works = works();
        for (Work w : works) {
            INDArray first = MemoryScope.outside(() -> w.call().get().dup());
            for (int i = 0; i < 3; i++) assertIdentical(w.name() + " call " + (i + 2), w.call().get(), first);
        }
    }

    @Test
    void theOneDnnStreamsOfThreadsThatEndedAreDestroyed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(OneDnn.UNAVAILABLE == null, "oneDNN is not loaded");
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 8, 8, 8), w = Nd4j.rand(DataType.FLOAT, 8, 8, 3, 3);
        Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3); // this thread's stream exists before counting
        int before = OneDnn.liveStreams();
        for (int t = 0; t < 16; t++) {
            Thread thread = new Thread(() -> Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3));
            thread.start();
            thread.join();
        }
        // Streams go with their threads once the GC notices the threads are gone (a server making threads per
        // request would otherwise leak one native stream per thread). Threads of earlier tests may go too, so the
        // count ends at or below where it started; without the clean-up it would stay 16 above.
        for (int i = 0; i < 100 && OneDnn.liveStreams() > before; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(OneDnn.liveStreams()).isLessThanOrEqualTo(before);
    }
}
