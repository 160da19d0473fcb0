package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

class Winograd3x3Test {
    private static final int[][] SIDES = {{7, 9}, {8, 8}, {1, 1}, {2, 3}, {5, 4}, {3, 1}};

    /** libnd4j's direct conv2d (NCHW, OIHW, 3x3, stride 1, pad 1): the reference. */
    private static INDArray direct(INDArray x, INDArray w, INDArray b) {
        INDArray out = Nd4j.create(x.dataType(), x.size(0), w.size(0), x.size(2), x.size(3));
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(b == null ? new INDArray[] {x, w} : new INDArray[] {x, w, b})
                .addOutputs(out).addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1).build());
        return out;
    }

    /** libnd4j's deconv2d with the same weights: the input gradient of {@link #direct}. */
    private static INDArray directInputGradient(INDArray g, INDArray w) {
        INDArray out = Nd4j.create(g.dataType(), g.size(0), w.size(1), g.size(2), g.size(3));
        Nd4j.exec(DynamicCustomOp.builder("deconv2d").addInputs(g, w).addOutputs(out)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1).build());
        return out;
    }

    private static double relErr(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        return got.sub(want).amaxNumber().doubleValue() / Math.max(want.amaxNumber().doubleValue(), 1e-30);
    }

    private static double tolerance(DataType t) {
        return t == DataType.FLOAT ? 1e-5 : 1e-10;
    }

    @Test
    void forwardAndInputGradientMatchLibnd4jForOddAndEvenSidesWithAndWithoutBias() {
        Nd4j.getRandom().setSeed(11);
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (int[] hw : SIDES) {
                INDArray x = Nd4j.randn(t, 2, 13, hw[0], hw[1]);
                INDArray w = Nd4j.randn(t, 19, 13, 3, 3);
                INDArray b = Nd4j.randn(t, 19);
                INDArray g = Nd4j.randn(t, 2, 19, hw[0], hw[1]);
                String what = t + " " + hw[0] + "x" + hw[1];
                assertThat(relErr(Winograd3x3.conv2d(x, w, b), direct(x, w, b))).as(what + " bias").isLessThan(tolerance(t));
                assertThat(relErr(Winograd3x3.conv2d(x, w, null), direct(x, w, null))).as(what).isLessThan(tolerance(t));
                assertThat(relErr(Winograd3x3.inputGradient(g, w), directInputGradient(g, w))).as(what + " grad")
                        .isLessThan(tolerance(t));
            }
        }
    }

    @Test
    void float32ErrorIsAboutOneMillionthAtVggLikeWidths() {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 256, 16, 16);
        INDArray w = Nd4j.randn(DataType.FLOAT, 256, 256, 3, 3).muli(Math.sqrt(2.0 / (256 * 9)));
        INDArray x64 = x.castTo(DataType.DOUBLE), w64 = w.castTo(DataType.DOUBLE);
        INDArray exact = direct(x64, w64, null);
        double wino = relErr(Winograd3x3.conv2d(x, w, null).castTo(DataType.DOUBLE), exact);
        double libnd4j = relErr(direct(x, w, null).castTo(DataType.DOUBLE), exact);
        System.out.printf("float32 max error / max |out| at 256->256 16x16: Winograd %.2e, libnd4j direct %.2e%n", wino, libnd4j);
        assertThat(wino).isLessThan(1e-5);
    }

    @Test
    void rotatedKernelTransformIsThePermutedTransposedTransform() {
        // G J = P G: the transform of w rotated 180° with O/C swapped is U at positions (π(i), π(j)), transposed.
        Nd4j.getRandom().setSeed(13);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 5, 7, 3, 3);
        INDArray rotated = w.permute(1, 0, 2, 3).dup('c'); // [C, O, 3, 3], flipped spatially below
        INDArray flipped = rotated.ulike();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                flipped.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(j))
                        .assign(rotated.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.point(2 - i), org.nd4j.linalg.indexing.NDArrayIndex.point(2 - j)));
            }
        }
        INDArray u = WinogradWeights.transform(w), ur = WinogradWeights.transform(flipped);
        int[] pi = {3, 1, 2, 0};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                INDArray want = u.slice(4 * pi[i] + pi[j]).transpose();
                assertThat(ur.slice(4 * i + j).sub(want).amaxNumber().doubleValue()).as("position " + i + "," + j).isLessThan(1e-14);
            }
        }
    }

    @Test
    void tinyChunksGiveTheResultOfOneChunkUpToTheProductsSummationOrder() {
        Nd4j.getRandom().setSeed(14);
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = Nd4j.randn(t, 2, 6, 9, 7);   // 5 tile rows per image: chunks cross image boundaries
            INDArray w = Nd4j.randn(t, 10, 6, 3, 3);
            INDArray b = Nd4j.randn(t, 10);
            INDArray g = Nd4j.randn(t, 2, 10, 9, 7);
            long elt = t == DataType.FLOAT ? 4 : 8, tileRow = 16 * (6 + 10) * 4 * elt;
            INDArray oneChunk = Winograd3x3.conv2d(x, w, b, Long.MAX_VALUE), oneChunkGrad = Winograd3x3.inputGradient(g, w, Long.MAX_VALUE);
            // Not bit for bit: chunks change only the N of the BLAS product M = U·V, but BLAS may then sum each entry's
            // K = 10 channel terms in another order (seen: float32 input gradient at scratch 1, 24 ulps off one
            // chunk's). Worst case |ΔM| ≤ 2·K·u·K·max|U|·max|V|, with |U| ≤ 2.25·max|w| (G's rows sum to ≤ 1.5 in
            // absolute value) and |V| ≤ 4·max|input| (Bᵀ's rows: two ±1), and each output sums 9 entries of M with
            // coefficients ±1: |Δout| ≤ 162·K²·u·max|w|·max|input| (u = 2⁻²⁴ or 2⁻⁵³). A chunk at a wrong offset is
            // off by the size of the values.
            double u = t == DataType.FLOAT ? 0x1p-24 : 0x1p-53, k = 10, wMax = w.amaxNumber().doubleValue();
            double bound = 162 * k * k * u * wMax * x.amaxNumber().doubleValue();
            double gradBound = 162 * k * k * u * wMax * g.amaxNumber().doubleValue();
            for (long scratch : new long[] {1, tileRow, 2 * tileRow, 3 * tileRow + 5, 7 * tileRow}) {
                assertThat(ExactArrays.maxAbsDifference(Winograd3x3.conv2d(x, w, b, scratch), oneChunk)).as(t + " scratch " + scratch + " vs one chunk")
                        .isLessThanOrEqualTo(bound);
                assertThat(ExactArrays.maxAbsDifference(Winograd3x3.inputGradient(g, w, scratch), oneChunkGrad))
                        .as(t + " grad scratch " + scratch + " vs one chunk").isLessThanOrEqualTo(gradBound);
                assertThat(relErr(Winograd3x3.conv2d(x, w, b, scratch), direct(x, w, b))).as(t + " scratch " + scratch)
                        .isLessThan(tolerance(t));
                assertThat(relErr(Winograd3x3.inputGradient(g, w, scratch), directInputGradient(g, w))).as(t + " grad scratch " + scratch)
                        .isLessThan(tolerance(t));
            }
        }
    }

    @Test
    void chunksInsideAMemoryScopeReuseThePooledScratch() {
        Nd4j.getRandom().setSeed(15);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 8, 16, 16), w = Nd4j.randn(DataType.FLOAT, 8, 8, 3, 3);
        INDArray want = direct(x, w, null);
        try (MemoryScope scope = MemoryScope.open("winograd-test")) {
            for (int i = 0; i < 3; i++) {
                INDArray got = Winograd3x3.conv2d(x, w, null, 16 * 16 * 8 * 4 * 3);
                assertThat(relErr(got, want)).isLessThan(1e-5);
                MemoryScope.release(got);
            }
            assertThat(scope.lentBytes()).isZero(); // scratch and outputs all handed back
        }
        MemoryScope.destroy("winograd-test");
    }

    @Test
    void eachWeightArrayGetsItsOwnTransformEvenWithEqualShapes() {
        Nd4j.getRandom().setSeed(16);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 4, 6, 6);
        INDArray w1 = Nd4j.randn(DataType.DOUBLE, 5, 4, 3, 3), w2 = Nd4j.randn(DataType.DOUBLE, 5, 4, 3, 3);
        INDArray w1Copy = w1.dup(); // equal values, another array: shares nothing with w1 in the cache
        assertThat(relErr(Winograd3x3.conv2d(x, w1, null), direct(x, w1, null))).isLessThan(1e-10);
        assertThat(relErr(Winograd3x3.conv2d(x, w2, null), direct(x, w2, null))).isLessThan(1e-10);
        assertThat(WinogradWeights.of(w1)).isSameAs(WinogradWeights.of(w1));
        assertThat(WinogradWeights.of(w1Copy)).isNotSameAs(WinogradWeights.of(w1));
        // forget() after an in-place update (the documented contract) gives the new transform.
        w1.muli(-2);
        WinogradWeights.forget(w1);
        assertThat(relErr(Winograd3x3.conv2d(x, w1, null), direct(x, w1, null))).isLessThan(1e-10);
    }

    @Test
    void kernelsPicksWinogradOnlyWhenSwitchedOnAndWhereItApplies() {
        Nd4j.getRandom().setSeed(17);
        int c = Kernels.WINOGRAD_MIN_CHANNELS;
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, c, 32, 33), w = Nd4j.randn(DataType.FLOAT, c, c, 3, 3), b = Nd4j.randn(DataType.FLOAT, c);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, c, 32, 33);
        INDArray want = direct(x, w, b), wantGrad = directInputGradient(g, w);
        assertThat(relErr(Kernels.conv2d(x, w, b, Conv2dSpec.SAME_3X3), want)).isLessThan(1e-5);
        assertThat(WinogradWeights.contains(w)).as("off by default").isFalse();
        System.setProperty("stylegrad.winograd", "true");
        try {
            assertThat(relErr(Kernels.conv2d(x, w, b, Conv2dSpec.SAME_3X3), want)).isLessThan(1e-5);
            assertThat(relErr(Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3), wantGrad)).isLessThan(1e-5);
            assertThat(WinogradWeights.contains(w)).as("one transform serves both directions").isTrue();
            INDArray w2 = w.dup(), small = Nd4j.randn(DataType.FLOAT, 1, c, 31, 33);
            Kernels.conv2d(small, w2, null, Conv2dSpec.SAME_3X3);
            assertThat(WinogradWeights.contains(w2)).as("below the pixel threshold").isFalse();
            INDArray narrow = Nd4j.randn(DataType.FLOAT, c / 2, c, 3, 3);
            Kernels.conv2d(x, narrow, null, Conv2dSpec.SAME_3X3);
            assertThat(WinogradWeights.contains(narrow)).as("below the channel threshold").isFalse();
        } finally {
            System.clearProperty("stylegrad.winograd");
        }
    }
}
