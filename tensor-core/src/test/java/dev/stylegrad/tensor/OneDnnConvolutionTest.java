package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The oneDNN path against libnd4j's conv2d/deconv2d run in float64 on the same values (float64 never takes the
 * oneDNN path, so the reference is independent of it), over strides, paddings, dilations, odd sides, batches, bias,
 * fused ReLU and views. Every test of the oneDNN path counts {@link OneDnnCalls#convolutions()} to prove its calls
 * went through it (a silent fallback to libnd4j would give the same values). These are the direct kernels' tests (exact
 * against libnd4j's direct float32, frozen against unfrozen), so they pin {@link ConvAlgorithm#DIRECT};
 * WinogradKernelsTest covers the Winograd ones.
 */
@org.junit.jupiter.api.Tag("kernels")
class OneDnnConvolutionTest {
    private static final ConvAlgorithm BEFORE = KernelConfig.convAlgorithm();

    @BeforeEach
    void direct() {
        KernelConfig.setConvAlgorithm(ConvAlgorithm.DIRECT);
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        KernelConfig.setConvAlgorithm(BEFORE);
    }

    /** {stride, pad, dilation, kernel, h, w}. */
    private static final int[][] CASES = {
        {1, 1, 1, 3, 8, 8}, {1, 1, 1, 3, 7, 5}, {1, 0, 1, 3, 6, 9}, {2, 1, 1, 3, 9, 8}, {2, 0, 1, 3, 6, 6},
        {2, 0, 1, 3, 7, 7}, {1, 2, 2, 3, 9, 7}, {3, 1, 1, 5, 11, 10}, {1, 0, 1, 1, 5, 4}, {1, 1, 1, 3, 1, 1},
        {2, 2, 2, 3, 12, 11}};

    @BeforeEach
    void needsOneDnn() {
        assumeTrue(OneDnnConvolution.unavailableReason() == null, () -> "oneDNN path unavailable: " + OneDnnConvolution.unavailableReason());
    }

    private static double relErr(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        INDArray g = got.castTo(DataType.DOUBLE);
        return g.sub(want).amaxNumber().doubleValue() / Math.max(want.amaxNumber().doubleValue(), 1e-30);
    }

    @Test
    void forwardReluAndInputGradientMatchFloat64Libnd4jOverStridesPaddingsAndDilations() {
        Nd4j.getRandom().setSeed(21);
        int checked = 0;
        long callsBefore = OneDnnCalls.convolutions();
        for (int[] c : CASES) {
            Conv2dSpec spec = Conv2dSpec.of(c[0], c[1], c[2]);
            for (boolean withBias : new boolean[] {false, true}) {
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 11, c[4], c[5]);
                INDArray w = Nd4j.randn(DataType.DOUBLE, 13, 11, c[3], c[3]);
                INDArray b = withBias ? Nd4j.randn(DataType.DOUBLE, 13) : null;
                INDArray want = Kernels.conv2d(x, w, b, spec);
                INDArray xf = x.castTo(DataType.FLOAT), wf = w.castTo(DataType.FLOAT);
                INDArray bf = withBias ? b.castTo(DataType.FLOAT) : null;
                assertThat(OneDnnConvolution.supports(xf, wf, bf)).isTrue();
                String what = "stride " + c[0] + " pad " + c[1] + " dilation " + c[2] + " k" + c[3] + " " + c[4] + "x" + c[5]
                        + (withBias ? " bias" : "");
                assertThat(relErr(Kernels.conv2d(xf, wf, bf, spec), want)).as(what).isLessThan(1e-5);
                assertThat(relErr(Kernels.conv2dRelu(xf, wf, bf, spec), Transforms.relu(want, true))).as(what + " relu")
                        .isLessThan(1e-5);
                INDArray g = Nd4j.randn(DataType.DOUBLE, want.shape());
                INDArray wantGrad = Kernels.conv2dInputGradient(g, w, x.shape(), spec);
                assertThat(relErr(Kernels.conv2dInputGradient(g.castTo(DataType.FLOAT), wf, x.shape(), spec), wantGrad))
                        .as(what + " input gradient").isLessThan(1e-5);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(2 * CASES.length);
        // Three float32 calls per case (conv2d, conv2dRelu, input gradient), all on the oneDNN path.
        assertThat(OneDnnCalls.convolutions() - callsBefore).isEqualTo(3L * checked);
    }

    @Test
    void weightGradientMatchesFloat64Libnd4jOverStridesPaddingsAndDilations() {
        Nd4j.getRandom().setSeed(27);
        long callsBefore = OneDnnCalls.convolutions();
        for (int[] c : CASES) {
            Conv2dSpec spec = Conv2dSpec.of(c[0], c[1], c[2]);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 11, c[4], c[5]);
            INDArray w = Nd4j.randn(DataType.DOUBLE, 13, 11, c[3], c[3]);
            INDArray g = Nd4j.randn(DataType.DOUBLE, Kernels.conv2d(x, w, null, spec).shape());
            INDArray want = Kernels.conv2dWeightGradient(x, w, g, spec); // float64: libnd4j's conv2d_bp
            INDArray got = Kernels.conv2dWeightGradient(x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT), g.castTo(DataType.FLOAT), spec);
            String what = "stride " + c[0] + " pad " + c[1] + " dilation " + c[2] + " k" + c[3] + " " + c[4] + "x" + c[5];
            assertThat(relErr(got, want)).as(what + " weight gradient").isLessThan(1e-5);
        }
        assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN weight-gradient calls").isEqualTo(CASES.length);
        // The transformer network's shapes: a 9x9 kernel on 3 channels and a stride-2 3x3, against libnd4j in float32.
        for (int[] c : new int[][] {{3, 8, 9, 1, 20, 18}, {8, 16, 3, 2, 17, 16}}) {
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, c[0], c[4], c[5]);
            INDArray w = Nd4j.randn(DataType.FLOAT, c[1], c[0], c[2], c[2]);
            Conv2dSpec spec = Conv2dSpec.of(c[3], 0, 1);
            INDArray g = Nd4j.randn(DataType.FLOAT, Kernels.conv2d(x, w, null, spec).shape());
            INDArray want = Kernels.conv2dWeightGradientLibnd4j(x, w, g, spec);
            assertThat(relErr(Kernels.conv2dWeightGradient(x, w, g, spec), want.castTo(DataType.DOUBLE)))
                    .as("k%d stride %d", c[2], c[3]).isLessThan(1e-5);
        }
    }

    @Test
    void equalsLibnd4jFloat32OnAVggLayer() {
        // Same oneDNN kernels underneath: the two float32 paths agree to rounding.
        Nd4j.getRandom().setSeed(22);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 64, 32, 32);
        INDArray w = Nd4j.randn(DataType.FLOAT, 128, 64, 3, 3).muli(0.05);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, 128, 32, 32);
        long callsBefore = OneDnnCalls.convolutions();
        INDArray out = Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3);
        INDArray gradIn = Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3);
        assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN calls").isEqualTo(2);
        assertIdentical("forward", out, Kernels.conv2dLibnd4j(x, w, null, Conv2dSpec.SAME_3X3));
        assertIdentical("input gradient", gradIn, Kernels.conv2dInputGradientLibnd4j(g, w, x.shape(), Conv2dSpec.SAME_3X3));
    }

    @Test
    void readsViewsAtAnOffsetAndLeavesInputsUnchanged() {
        Nd4j.getRandom().setSeed(23);
        INDArray big = Nd4j.randn(DataType.FLOAT, 3, 5, 6, 6);
        INDArray x = big.get(NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        assertThat(x.offset()).isGreaterThan(0);
        INDArray w = Nd4j.randn(DataType.FLOAT, 4, 5, 3, 3);
        INDArray before = big.dup();
        long callsBefore = OneDnnCalls.convolutions();
        INDArray got = Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3);
        assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN calls").isEqualTo(1);
        INDArray want = Kernels.conv2dLibnd4j(x.dup(), w, null, Conv2dSpec.SAME_3X3);
        assertIdentical("view at an offset vs its dense copy", got, want);
        assertIdentical("the array the view reads", big, before);
    }

    @Test
    void repeatedCallsReuseScratchFromTheScopeAndGiveItBack() {
        Nd4j.getRandom().setSeed(24);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 16, 20, 20);
        INDArray w = Nd4j.randn(DataType.FLOAT, 32, 16, 3, 3);
        INDArray first = null;
        long lentAfterFirst = -1;
        long callsBefore = OneDnnCalls.convolutions();
        try (MemoryScope scope = MemoryScope.open("onednn-test")) {
            for (int i = 0; i < 5; i++) {
                INDArray y = Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3);
                if (first == null) {
                    first = y.dup();
                    lentAfterFirst = scope.lentBytes();
                } else {
                    assertIdentical("call " + (i + 1) + " vs call 1", y, first);
                }
                MemoryScope.release(y);
            }
            // Only the output was ever lent out at the end of a call: scratch went back to the pool.
            assertThat(lentAfterFirst).isEqualTo(32L * 20 * 20 * 4);
            assertThat(scope.lentBytes()).isZero();
            assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN calls").isEqualTo(5);
        } finally {
            MemoryScope.destroy("onednn-test");
        }
    }

    @Test
    void frozenWeightsGiveTheSameResultsAndKeepTheirFirstValues() {
        Nd4j.getRandom().setSeed(25);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 16, 12, 12);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, 24, 12, 12);
        INDArray w = Nd4j.randn(DataType.FLOAT, 24, 16, 3, 3);
        INDArray plainOut = Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3);
        INDArray plainGrad = Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3);
        INDArray sameValues = w.dup();
        long callsBefore = OneDnnCalls.convolutions();
        Kernels.freezeConvolutionWeight(w);
        // The same kernel on the same values, only the weights' reorder is cached: identical results.
        for (int i = 0; i < 2; i++) { // first call makes the reordered copies, second uses them
            assertIdentical("frozen forward, call " + (i + 1), Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3), plainOut);
            assertIdentical("frozen input gradient, call " + (i + 1), Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3), plainGrad);
        }
        // The copies belong to this array object, not to its values: an equal, unfrozen array is reordered afresh,
        // and changing the frozen array (which the contract forbids) shows the cache is really used.
        w.muli(2);
        assertIdentical("frozen forward after the weights changed", Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3), plainOut);
        INDArray doubled = sameValues.mul(2);
        // Doubling is exact in float32, so the unfrozen doubled weights give exactly twice the first values
        // (the ReLU commutes with a positive power of two).
        assertIdentical("unfrozen doubled weights", Kernels.conv2dRelu(x, doubled, null, Conv2dSpec.SAME_3X3), plainOut.mul(2));
        // Input gradients keep no copy (it would hold the frozen network a third time): they read the new values,
        // and doubling is exact, so exactly twice the first gradient.
        assertIdentical("input gradient after the weights changed",
                Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3), plainGrad.mul(2));
        assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN calls").isEqualTo(7);
    }

    @Test
    void mixChannelsAsAOneByOneConvolutionMatchesFloat64Products() {
        Nd4j.getRandom().setSeed(26);
        for (int[] nocHw : new int[][] {{1, 64, 64, 16, 16}, {1, 24, 40, 7, 5}, {2, 16, 16, 4, 6}}) {
            int n = nocHw[0], o = nocHw[1], c = nocHw[2], h = nocHw[3], w = nocHw[4];
            INDArray mix = Nd4j.randn(DataType.DOUBLE, n, o, c), f = Nd4j.randn(DataType.DOUBLE, n, c, h, w);
            INDArray want = Kernels.matmul(mix, f.reshape('c', n, c, h * w), false, false).reshape('c', n, o, h, w);
            long callsBefore = OneDnnCalls.convolutions();
            INDArray got = Kernels.mixChannels(mix.castTo(DataType.FLOAT), f.castTo(DataType.FLOAT));
            // One image: a 1x1 convolution on oneDNN; a batch: the product on oneDNN's matmul.
            assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN convolutions").isEqualTo(n == 1 ? 1 : 0);
            assertThat(relErr(got, want)).as(java.util.Arrays.toString(nocHw)).isLessThan(1e-5);
            assertThat(relErr(Kernels.mixChannels(mix, f), want)).as("float64 " + java.util.Arrays.toString(nocHw)).isLessThan(1e-12);
        }
    }

    @Test
    void mixChannelsInChunksEqualsTheProductIncludingAShortLastChunk() {
        Nd4j.getRandom().setSeed(28);
        INDArray mix = Nd4j.randn(DataType.DOUBLE, 1, 24, 16), f = Nd4j.randn(DataType.DOUBLE, 1, 16, 37, 53); // 1961 positions
        INDArray want = Kernels.matmul(mix, f.reshape('c', 1, 16, 37 * 53), false, false).reshape('c', 1, 24, 37, 53);
        long callsBefore = OneDnnCalls.convolutions();
        INDArray got = Kernels.mixChannelsInChunks(mix.castTo(DataType.FLOAT).reshape('c', 24, 16, 1, 1), f.castTo(DataType.FLOAT), 500);
        assertThat(OneDnnCalls.convolutions() - callsBefore).as("one oneDNN call per chunk").isEqualTo(4);
        assertThat(relErr(got, want)).isLessThan(1e-5);
    }

    /**
     * The shapes that killed the JVM (SIGFPE inside oneDNN 2.5.2's AVX-512 1×1 planning, Zen 5) now run, in chunks,
     * and give the product. A regression here is a crash of the test JVM, which fails the build.
     */
    @Test
    void mixChannelsAtShapesThatCrashedOneDnnsOneByOneKernel() {
        Nd4j.getRandom().setSeed(29);
        for (long[] chw : new long[][] {{64, 1024, 1024}, {64, 2048, 512}}) {
            INDArray mix = Nd4j.rand(DataType.FLOAT, 1, 64, chw[0]).subi(0.5), f = Nd4j.rand(DataType.FLOAT, 1, chw[0], chw[1], chw[2]).subi(0.5);
            INDArray got = Kernels.mixChannels(mix, f);
            // a sample of rows against float64 products
            for (long y : new long[] {0, chw[1] / 2, chw[1] - 1}) {
                INDArray rows = f.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(y), NDArrayIndex.all()).castTo(DataType.DOUBLE);
                INDArray want = mix.castTo(DataType.DOUBLE).get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all()).mmul(rows.reshape('c', chw[0], chw[2]));
                INDArray gotRows = got.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(y), NDArrayIndex.all()).castTo(DataType.DOUBLE);
                assertThat(relErr(gotRows, want)).as("row %d of %s", y, java.util.Arrays.toString(chw)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void concurrentCallsFromSeveralThreadsGiveTheSingleThreadedResults() throws Exception {
        // Each thread has its own oneDNN stream and scratch; the cached primitives are shared.
        Nd4j.getRandom().setSeed(27);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 16, 24, 24), w = Nd4j.randn(DataType.FLOAT, 32, 16, 3, 3);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, 32, 24, 24);
        INDArray wantOut = Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3);
        INDArray wantGrad = Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3);
        long callsBefore = OneDnnCalls.convolutions();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    boolean same = true;
                    for (int i = 0; i < 20; i++) {
                        same &= ExactArrays.maxAbsDifference(Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3), wantOut) == 0;
                        same &= ExactArrays.maxAbsDifference(Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3), wantGrad) == 0;
                    }
                    return same;
                }));
            }
            for (var r : results) assertThat(r.get()).isTrue();
            assertThat(OneDnnCalls.convolutions() - callsBefore).as("oneDNN calls").isEqualTo(8 * 20 * 2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aShapeOneDnnCannotBuildFallsBackToLibnd4jAndSaysSoOnce() {
        // A shape no other test uses (plans are cached per JVM), refused through the test hook since oneDNN builds
        // every real one; the refusal goes through the same catch, memo and warning as a real one.
        Nd4j.getRandom().setSeed(28);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 7, 13, 11), w = Nd4j.randn(DataType.FLOAT, 9, 7, 3, 3);
        INDArray b = Nd4j.randn(DataType.FLOAT, 9), g = Nd4j.randn(DataType.FLOAT, 1, 9, 13, 11);
        OneDnnCalls.refuseConvolution(x.shape(), w.shape(), Conv2dSpec.SAME_3X3);
        long callsBefore = OneDnnCalls.convolutions();
        String log = capturingStandardError(() -> {
            for (int i = 0; i < 3; i++) {
                // libnd4j's op on the same arrays is what the fallback runs: the same values exactly.
                assertIdentical("fallback forward, call " + (i + 1), Kernels.conv2d(x, w, b, Conv2dSpec.SAME_3X3),
                        Kernels.conv2dLibnd4j(x, w, b, Conv2dSpec.SAME_3X3));
                assertIdentical("fallback input gradient, call " + (i + 1), Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3),
                        Kernels.conv2dInputGradientLibnd4j(g, w, x.shape(), Conv2dSpec.SAME_3X3));
            }
        });
        assertThat(OneDnnCalls.convolutions()).as("oneDNN calls").isEqualTo(callsBefore);
        // One warning per refused plan (forward with bias, input gradient), however often it is asked for.
        assertThat(log.lines().filter(l -> l.contains("WARN") && l.contains("no oneDNN convolution for")).toList())
                .as("warnings in:%n%s", log).hasSize(2)
                .anySatisfy(l -> assertThat(l).contains("kind=FORWARD,").contains("bias=true").contains("using libnd4j's: refused by a test"))
                .anySatisfy(l -> assertThat(l).contains("kind=INPUT_GRADIENT,").contains("using libnd4j's: refused by a test"));
    }

    /**
     * What {@code body} writes to System.err, where slf4j-simple logs (it looks System.err up on every message unless
     * told to cache it, which our builds do not).
     */
    static String capturingStandardError(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        saved.print(text); // still shown in the test's output
        return text;
    }
}
