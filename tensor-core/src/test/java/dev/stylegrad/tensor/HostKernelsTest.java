package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * HostKernels against libnd4j's own ops, bit for bit (NaN compared as NaN, −0.0 distinct from +0.0), and against a
 * plain reference of PyTorch's max-pool rule where the two differ (NaN).
 */
class HostKernelsTest {
    private static final DataType[] TYPES = {DataType.FLOAT, DataType.DOUBLE};
    /** [H, W] cases: odd and even, a single-row edge (no windows), and large enough (with 16 channels) to run in parallel. */
    private static final int[][] SIZES = {{7, 9}, {8, 8}, {1, 5}, {2, 5}, {3, 3}, {64, 64}};
    private static final int[] POOL_ARGS = {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0};

    // ------------------------------------------------------------------------------------------------ max pool

    @Test
    void maxPoolMatchesLibnd4jOnRandomTiedAndNegativeData() {
        Random rnd = new Random(11);
        for (DataType t : TYPES) {
            for (int[] hw : SIZES) {
                for (int channels : new int[] {3, 16}) {
                    for (String kind : new String[] {"normal", "ties", "negative"}) {
                        INDArray x = data(t, kind, rnd, 2, channels, hw[0], hw[1]);
                        String what = t + " " + kind + " " + Shapes.format(x.shape());
                        checkPool(what, x, rnd);
                    }
                }
            }
        }
    }

    @Test
    void tiedDataReallyHasTiedWindowsAndTheFirstMaximumGetsTheGradient() {
        Random rnd = new Random(5);
        INDArray x = data(DataType.FLOAT, "ties", rnd, 2, 3, 8, 8);
        int tied = 0;
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) {
            float m = x.getFloat(n, c, 2 * i, 2 * j);
            int count = 1;
            for (int k = 1; k < 4; k++) {
                float v = x.getFloat(n, c, 2 * i + k / 2, 2 * j + k % 2);
                if (v > m) { m = v; count = 1; } else if (v == m) count++;
            }
            if (count > 1) tied++;
        }
        assertThat(tied).as("windows with a tied maximum").isGreaterThan(20);
        // A 1x1x2x2 window of equal values: all gradient at row-major position 0.
        INDArray w = Nd4j.createFromArray(new float[] {3, 3, 3, 3}).reshape(1, 1, 2, 2);
        INDArray gradIn = w.ulike();
        HostKernels.maxPool2x2Backward(w, Nd4j.createFromArray(new float[] {7}).reshape(1, 1, 1, 1), gradIn);
        assertThat(gradIn.data().asFloat()).containsExactly(7, 0, 0, 0);
    }

    @Test
    void nanPropagatesAndTakesTheGradientAsInPyTorchUnlikeLibnd4j() {
        float nan = Float.NaN;
        // Windows (row-major): {1, NaN, 5, 6}, {3, 2, 7, 8}, {NaN, 1, 4, 4}, {2, 3, NaN, NaN}.
        float[] in = {1, nan, 3, 2, 5, 6, 7, 8, nan, 1, 2, 3, 4, 4, nan, nan};
        for (DataType t : TYPES) {
            INDArray x = Nd4j.createFromArray(in).reshape(1, 1, 4, 4).castTo(t);
            INDArray out = Nd4j.create(t, 1, 1, 2, 2);
            HostKernels.maxPool2x2(x, out);
            assertThat(out.data().asDouble()).containsExactly(Double.NaN, 8, Double.NaN, Double.NaN);
            INDArray g = Nd4j.createFromArray(new float[] {10, 20, 30, 40}).reshape(1, 1, 2, 2).castTo(t);
            INDArray gradIn = Nd4j.create(t, 1, 1, 4, 4).assign(-1);
            HostKernels.maxPool2x2Backward(x, g, gradIn);
            // The gradient goes to the first NaN of each NaN window.
            assertThat(gradIn.data().asDouble()).containsExactly(0, 10, 0, 0, 0, 0, 0, 20, 30, 0, 0, 0, 0, 0, 40, 0);
            // libnd4j (oneDNN) differs: it skips NaN, so these windows give 6 and 4, not NaN. Pinned so that the
            // difference is noticed if a libnd4j upgrade changes it.
            assertThat(pool(x).data().asDouble()).as("libnd4j maxpool2d with NaN").containsExactly(6, 8, 4, 3);
        }
        // Random data with scattered NaN against the reference rule.
        Random rnd = new Random(3);
        for (DataType t : TYPES) {
            INDArray x = data(t, "ties", rnd, 2, 16, 33, 31);
            for (int k = 0; k < 300; k++) {
                x.putScalar(new long[] {rnd.nextInt(2), rnd.nextInt(16), rnd.nextInt(33), rnd.nextInt(31)}, Double.NaN);
            }
            INDArray g = data(t, "normal", rnd, 2, 16, 16, 15);
            INDArray out = Nd4j.create(t, 2, 16, 16, 15), gradIn = x.ulike();
            HostKernels.maxPool2x2(x, out);
            HostKernels.maxPool2x2Backward(x, g, gradIn);
            INDArray[] want = referencePool(x, g);
            assertBitsEqual(t + " NaN forward", out, want[0]);
            assertBitsEqual(t + " NaN backward", gradIn, want[1]);
        }
    }

    @Test
    void signedZerosTieAndTheFirstOneWins() {
        for (DataType t : TYPES) {
            INDArray x = Nd4j.createFromArray(new double[] {-0.0, 0.0, 0.0, -0.0, -1, -2, -3, -4}).reshape(1, 1, 2, 4).castTo(t);
            INDArray out = Nd4j.create(t, 1, 1, 1, 2);
            HostKernels.maxPool2x2(x, out);
            assertThat(bits(out.getDouble(0))).isEqualTo(bits(-0.0));
            assertThat(bits(out.getDouble(1))).isEqualTo(bits(0.0));
            INDArray gradIn = x.ulike();
            HostKernels.maxPool2x2Backward(x, Nd4j.createFromArray(new double[] {5, 6}).reshape(1, 1, 1, 2).castTo(t), gradIn);
            assertThat(gradIn.data().asDouble()).containsExactly(5, 0, 6, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void poolRejectsWrongOutputShapes() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 2, 5, 5);
        assertThatThrownBy(() -> HostKernels.maxPool2x2(x, Nd4j.zeros(DataType.FLOAT, 1, 2, 3, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 2, 2, 2]");
        assertThatThrownBy(() -> HostKernels.maxPool2x2Backward(x, Nd4j.zeros(DataType.FLOAT, 1, 2, 2, 2), Nd4j.zeros(DataType.FLOAT, 1, 2, 4, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradIn");
        assertThatThrownBy(() -> HostKernels.maxPool2x2(Nd4j.zeros(DataType.FLOAT, 2, 5, 5), Nd4j.zeros(DataType.FLOAT, 2, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 4");
    }

    // ---------------------------------------------------------------------------------------------------- relu

    @Test
    void reluAndItsGradientMatchLibnd4jIncludingNanAndSignedZeros() {
        Random rnd = new Random(17);
        for (DataType t : TYPES) {
            for (long[] shape : new long[][] {{2, 3, 7, 9}, {2, 16, 64, 64}, {5}}) {
                INDArray x = data(t, "ties", rnd, shape);
                long n = x.length();
                double[] specials = {Double.NaN, -Double.NaN, -0.0, 0.0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE};
                for (int k = 0; k < specials.length; k++) x.putScalar(rnd.nextInt((int) n), specials[k]);
                x.putScalar(0, -0.0);
                INDArray out = x.ulike();
                HostKernels.relu(x, out);
                INDArray want = relu(x);
                assertBitsEqual(t + " relu " + Shapes.format(shape), out, want);
                // In place.
                INDArray y = x.dup();
                HostKernels.relu(y, y);
                assertBitsEqual(t + " relu in place", y, want);

                INDArray g = data(t, "normal", rnd, shape);
                g.putScalar(rnd.nextInt((int) n), Double.NaN);
                for (INDArray mask : new INDArray[] {x, out}) { // the input and the output give the same mask
                    INDArray gradIn = g.ulike();
                    HostKernels.reluBackward(mask, g, gradIn);
                    INDArray wantGrad = reluBp(mask, g);
                    assertBitsEqual(t + " relu_bp " + Shapes.format(shape), gradIn, wantGrad);
                    INDArray h = g.dup();
                    HostKernels.reluBackward(mask, h, h);
                    assertBitsEqual(t + " relu_bp in place", h, wantGrad);
                }
            }
        }
    }

    @Test
    void reluSemanticsAtTheEdges() {
        for (DataType t : TYPES) {
            double[] v = {Double.NaN, -0.0, 0.0, -1, 2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
            INDArray x = Nd4j.createFromArray(v).castTo(t), out = x.ulike();
            HostKernels.relu(x, out);
            double[] got = out.data().asDouble();
            assertThat(got[0]).isNaN();
            assertThat(bits(got[1])).as("relu(-0.0) keeps the sign, like libnd4j").isEqualTo(bits(-0.0));
            assertThat(got).containsExactly(Double.NaN, -0.0, 0.0, 0.0, 2, 0.0, Double.POSITIVE_INFINITY);
            INDArray g = Nd4j.createFromArray(new double[] {9, 9, 9, Double.NaN, 9, 9, 9}).castTo(t), gradIn = g.ulike();
            HostKernels.reluBackward(x, g, gradIn);
            assertThat(gradIn.data().asDouble()).containsExactly(0, 0, 0, 0, 9, 0, 9);
        }
    }

    // ------------------------------------------------------------------------------------------- host threads

    @Test
    void everyKernelGivesTheSameBitsOnOneTwoAndThreeThreads() {
        // Chunks split output rows (pooling) or 16-element blocks (ReLU); with 3 threads the borders fall inside
        // planes, and the odd sides make the last rows and columns special. Bits must not depend on the count.
        Random rnd = new Random(29);
        int saved = KernelConfig.hostThreads();
        try {
            for (DataType t : TYPES) {
                INDArray x = data(t, "ties", rnd, 2, 16, 65, 67); // 139,360 elements: above PARALLEL_MIN_ELEMENTS
                for (int k = 0; k < 200; k++) x.putScalar(rnd.nextInt((int) x.length()), k % 2 == 0 ? Double.NaN : -0.0);
                INDArray g = data(t, "normal", rnd, 2, 16, 32, 33);
                INDArray r = data(t, "normal", rnd, 100_003);
                INDArray rg = data(t, "normal", rnd, 100_003);
                assertThat(x.length()).isGreaterThanOrEqualTo(HostKernels.PARALLEL_MIN_ELEMENTS);
                assertThat(r.length()).isGreaterThanOrEqualTo(HostKernels.PARALLEL_MIN_ELEMENTS);
                INDArray[] want = null;
                for (int threads : new int[] {1, 2, 3}) {
                    KernelConfig.setHostThreads(threads);
                    INDArray out = Nd4j.create(t, 2, 16, 32, 33), gradIn = Nd4j.valueArrayOf(x.shape(), 42.0, t);
                    INDArray reluOut = r.ulike(), reluGrad = rg.ulike();
                    HostKernels.maxPool2x2(x, out);
                    HostKernels.maxPool2x2Backward(x, g, gradIn);
                    HostKernels.relu(r, reluOut);
                    HostKernels.reluBackward(r, rg, reluGrad);
                    INDArray[] got = {out, gradIn, reluOut, reluGrad};
                    if (want == null) {
                        want = got;
                        continue;
                    }
                    String[] names = {"max pool", "max pool backward", "relu", "relu backward"};
                    for (int i = 0; i < got.length; i++) assertBitsEqual(t + " " + names[i] + " on " + threads + " threads", got[i], want[i]);
                }
            }
        } finally {
            KernelConfig.setHostThreads(saved);
        }
    }

    @Test
    void theHostThreadCountSplitsTheWorkIntoThatManyChunks() {
        // Proves the test above really compared one thread with several.
        int saved = KernelConfig.hostThreads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                KernelConfig.setHostThreads(threads);
                java.util.Set<String> chunks = java.util.concurrent.ConcurrentHashMap.newKeySet();
                java.util.Set<String> workers = java.util.concurrent.ConcurrentHashMap.newKeySet();
                HostKernels.parallel(90, HostKernels.PARALLEL_MIN_ELEMENTS, (from, to) -> {
                    chunks.add(from + "-" + to);
                    workers.add(Thread.currentThread().getName());
                });
                assertThat(chunks).as(threads + " threads").hasSize(threads).contains("0-" + 90 / threads);
                assertThat(workers).as(threads + " threads").contains(Thread.currentThread().getName());
                if (threads > 1) assertThat(workers).as(threads + " threads").anyMatch(n -> n.startsWith("stylegrad-host-kernels-"));
            }
        } finally {
            KernelConfig.setHostThreads(saved);
        }
    }

    // --------------------------------------------------------------------------------------- offsets, supports()

    @Test
    void offsetViewsAreReadAndWrittenInPlaceWithoutTouchingTheirNeighbours() {
        Random rnd = new Random(23);
        for (DataType t : TYPES) {
            INDArray big = data(t, "ties", rnd, 4, 3, 7, 9);
            INDArray x = big.get(NDArrayIndex.interval(1, 3)); // [2,3,7,9] starting 189 elements in
            assertThat(x.offset()).isGreaterThan(0);
            assertThat(HostKernels.supports(x)).isTrue();
            INDArray outBig = Nd4j.valueArrayOf(new long[] {3, 3, 3, 4}, 42.0, t);
            INDArray out = outBig.get(NDArrayIndex.interval(1, 3));
            HostKernels.maxPool2x2(x, out);
            assertBitsEqual(t + " pool of a view into a view", out, pool(x.dup()));
            assertThat(outBig.get(NDArrayIndex.point(0)).maxNumber().doubleValue()).isEqualTo(42.0);
            assertThat(outBig.get(NDArrayIndex.point(0)).minNumber().doubleValue()).isEqualTo(42.0);

            INDArray g = data(t, "normal", rnd, 2, 3, 3, 4);
            INDArray gradBig = Nd4j.valueArrayOf(new long[] {4, 3, 7, 9}, 42.0, t);
            INDArray gradIn = gradBig.get(NDArrayIndex.interval(2, 4)); // the end of the buffer
            HostKernels.maxPool2x2Backward(x, g, gradIn);
            assertBitsEqual(t + " pool backward into a view", gradIn, poolBp(x.dup(), g));
            assertThat(gradBig.get(NDArrayIndex.interval(0, 2)).minNumber().doubleValue()).isEqualTo(42.0);

            INDArray reluOut = big.dup();
            INDArray view = reluOut.get(NDArrayIndex.interval(1, 3));
            HostKernels.relu(view, view);
            assertBitsEqual(t + " relu in place on a view", view, relu(x.dup()));
            assertBitsEqual(t + " relu leaves the rest alone", reluOut.get(NDArrayIndex.point(0)), big.get(NDArrayIndex.point(0)));
            assertBitsEqual(t + " relu leaves the rest alone", reluOut.get(NDArrayIndex.point(3)), big.get(NDArrayIndex.point(3)));

            INDArray gr = data(t, "normal", rnd, 2, 3, 7, 9);
            INDArray grBig = Nd4j.valueArrayOf(new long[] {3, 3, 7, 9}, 42.0, t);
            INDArray grView = grBig.get(NDArrayIndex.interval(1, 3));
            HostKernels.reluBackward(x, gr, grView);
            assertBitsEqual(t + " relu_bp of views", grView, reluBp(x.dup(), gr));
            assertThat(grBig.get(NDArrayIndex.point(0)).minNumber().doubleValue()).isEqualTo(42.0);
        }
    }

    @Test
    void supportsOnlyDenseCOrderFloatingArraysOfOneType() {
        INDArray c = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5);
        assertThat(HostKernels.supports(c)).isTrue();
        assertThat(HostKernels.supports(Nd4j.rand(DataType.DOUBLE, 2, 3))).isTrue();
        assertThat(HostKernels.supports(Nd4j.create(DataType.FLOAT, 2, 3, 0, 2))).as("empty").isTrue();
        assertThat(HostKernels.supports(c.dup('f'))).as("f-order").isFalse();
        assertThat(HostKernels.supports(c.permute(0, 1, 3, 2))).as("permuted").isFalse();
        assertThat(HostKernels.supports(c.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 3)))).as("every other channel").isFalse();
        assertThat(HostKernels.supports(c.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(1, 4))))
                .as("column range").isFalse();
        assertThat(HostKernels.supports(c.castTo(DataType.INT))).as("int").isFalse();
        assertThat(HostKernels.supports(c.castTo(DataType.HALF))).as("half").isFalse();
        assertThat(HostKernels.supports(c, c.castTo(DataType.DOUBLE))).as("mixed types").isFalse();
        assertThat(HostKernels.supports(c, null)).isFalse();
        assertThatThrownBy(() -> HostKernels.relu(c, c.dup('f')))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HostKernels.relu").hasMessageContaining("c-order");
        assertThatThrownBy(() -> HostKernels.reluBackward(c, c, c.castTo(DataType.DOUBLE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mix dtypes");
    }

    @Test
    void theBitComparisonNoticesWrongAnswers() {
        INDArray a = Nd4j.createFromArray(1f, 0f, Float.NaN);
        assertBitsEqual("same", a, a.dup());
        for (INDArray wrong : new INDArray[] {Nd4j.createFromArray(1f, -0f, Float.NaN), Nd4j.createFromArray(1f, 0f, 0f),
                Nd4j.createFromArray(1.0000001f, 0f, Float.NaN), Nd4j.createFromArray(1.0, 0.0, Double.NaN)}) {
            assertThatThrownBy(() -> assertBitsEqual("differs", a, wrong)).isInstanceOf(AssertionError.class);
        }
        // A gradient routed to the last instead of the first maximum is caught.
        INDArray x = Nd4j.createFromArray(new float[] {2, 1, 2, 0}).reshape(1, 1, 2, 2);
        INDArray g = Nd4j.createFromArray(new float[] {1}).reshape(1, 1, 1, 1);
        assertThatThrownBy(() -> assertBitsEqual("last max", poolBp(x, g), Nd4j.createFromArray(new float[] {0, 0, 1, 0}).reshape(1, 1, 2, 2)))
                .isInstanceOf(AssertionError.class);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static void checkPool(String what, INDArray x, Random rnd) {
        DataType t = x.dataType();
        long[] s = x.shape();
        long[] outShape = {s[0], s[1], s[2] / 2, s[3] / 2};
        INDArray out = Nd4j.create(t, outShape);
        HostKernels.maxPool2x2(x, out);
        INDArray g = data(t, "normal", rnd, outShape);
        INDArray gradIn = Nd4j.valueArrayOf(s, Double.NaN, t); // every element must be written
        HostKernels.maxPool2x2Backward(x, g, gradIn);
        if (out.length() == 0) { // no window fits: libnd4j would reject the empty output
            assertThat(gradIn.data().asDouble()).as(what).containsOnly(0.0);
            return;
        }
        assertBitsEqual(what + " forward", out, pool(x));
        assertBitsEqual(what + " backward", gradIn, poolBp(x, g));
        INDArray[] ref = referencePool(x, g);
        assertBitsEqual(what + " forward (reference)", out, ref[0]);
        assertBitsEqual(what + " backward (reference)", gradIn, ref[1]);
    }

    /** Random data: "normal" N(0,1); "ties" small integers in [-2, 2]; "negative" N(0,1) − 4 (all windows negative). */
    private static INDArray data(DataType t, String kind, Random rnd, long... shape) {
        INDArray a = Nd4j.create(t, shape);
        long n = a.length();
        for (long i = 0; i < n; i++) {
            double v = switch (kind) {
                case "ties" -> rnd.nextInt(5) - 2;
                case "negative" -> rnd.nextGaussian() - 4;
                default -> rnd.nextGaussian();
            };
            a.putScalar(i, v);
        }
        return a;
    }

    /** PyTorch's rule, written plainly: the first NaN, else the first maximum in row-major window order. */
    private static INDArray[] referencePool(INDArray x, INDArray g) {
        long[] s = x.shape();
        INDArray out = Nd4j.create(x.dataType(), s[0], s[1], s[2] / 2, s[3] / 2);
        INDArray gradIn = Nd4j.zeros(x.dataType(), s);
        for (long n = 0; n < s[0]; n++) for (long c = 0; c < s[1]; c++) for (long i = 0; i < s[2] / 2; i++) for (long j = 0; j < s[3] / 2; j++) {
            long bi = 2 * i, bj = 2 * j;
            double m = x.getDouble(n, c, bi, bj);
            for (int k = 1; k < 4 && !Double.isNaN(m); k++) {
                double v = x.getDouble(n, c, 2 * i + k / 2, 2 * j + k % 2);
                if (v > m || Double.isNaN(v)) { m = v; bi = 2 * i + k / 2; bj = 2 * j + k % 2; }
            }
            out.putScalar(new long[] {n, c, i, j}, m);
            gradIn.putScalar(new long[] {n, c, bi, bj}, g.getDouble(n, c, i, j));
        }
        return new INDArray[] {out, gradIn};
    }

    private static INDArray pool(INDArray x) {
        long[] s = x.shape();
        INDArray out = Nd4j.create(x.dataType(), s[0], s[1], s[2] / 2, s[3] / 2);
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(x).addOutputs(out).addIntegerArguments(POOL_ARGS).build());
        return out;
    }

    private static INDArray poolBp(INDArray x, INDArray g) {
        INDArray gradIn = x.ulike();
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(x, g).addOutputs(gradIn).addIntegerArguments(POOL_ARGS).build());
        return gradIn;
    }

    private static INDArray relu(INDArray x) {
        INDArray out = x.ulike();
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(out).addFloatingPointArguments(0.0).build());
        return out;
    }

    private static INDArray reluBp(INDArray x, INDArray g) {
        INDArray gradIn = x.ulike();
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(x, g).addOutputs(gradIn).addFloatingPointArguments(0.0).build());
        return gradIn;
    }

    private static long bits(double v) {
        return Double.doubleToLongBits(v); // canonical NaN: any NaN equals any NaN; −0.0 differs from +0.0
    }

    /** Same dtype, shape and every element's bits (NaN payloads aside). */
    private static void assertBitsEqual(String what, INDArray got, INDArray want) {
        assertThat(got.dataType()).as(what + ": dtype").isEqualTo(want.dataType());
        assertThat(got.shape()).as(what + ": shape").containsExactly(want.shape());
        double[] a = got.dup('c').data().asDouble(), b = want.dup('c').data().asDouble(); // float → double is exact
        for (int i = 0; i < a.length; i++) {
            if (bits(a[i]) != bits(b[i])) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + " but should be " + b[i]);
            }
        }
    }
}
