package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.HostKernels.D;
import static dev.stylegrad.tensor.HostKernels.F;
import static dev.stylegrad.tensor.HostKernels.U;

import java.lang.ref.Reference;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Instance normalization of NCHW maps, forward and backward, as two passes over host memory each (see
 * {@link HostKernels} for the preconditions and why Java loops). The whole-array sequence it replaces (mean, variance,
 * copy, scale, shift; backward about ten passes and five temporaries) took 0.66 s of a 1.8 s transformer pass at
 * 1024×768.
 *
 * <p>Statistics are summed in float64, per map, in index order, on differences from a reference value (the map's
 * first element forward, its mean backward) so that a large mean does not cancel the variance: the same bits on any
 * thread count, and the variance accurate to float64 rounding. The per-element products are in the arrays' type.
 */
final class InstanceNormKernel {
    private InstanceNormKernel() {}

    /**
     * Normalizes each (n, c) map of {@code x} [N, C, H, W] into {@code out} (same shape; may be {@code x}):
     * {@code out = (x − mean)·rstd·weight[c] + bias[c]}, rstd = 1/√(var + eps), var biased; {@code weight} and
     * {@code bias} [C] may be null (1 and 0). Writes each map's mean and rstd into {@code mean} and {@code rstd}
     * (length N·C). With {@code relu}, outputs below 0 become 0 (NaN passes, as libnd4j's relu lets it).
     */
    static void forward(INDArray x, INDArray out, double[] weight, double[] bias, double eps, double[] mean, double[] rstd, boolean relu) {
        HostKernels.requireSupported("instanceNorm", x, out);
        Shapes.requireRank("HostKernels.instanceNorm", "x (NCHW)", x, 4);
        Shapes.requireSameShape("HostKernels.instanceNorm", "x", x, "out", out);
        int c = Math.toIntExact(x.size(1));
        int maps = Math.toIntExact(x.size(0) * c);
        int hw = Math.toIntExact(x.size(2) * x.size(3));
        requireLength("mean", mean, maps);
        requireLength("rstd", rstd, maps);
        boolean f = HostKernels.isFloat(x);
        long size = f ? F : D, src = HostKernels.address(x), dst = HostKernels.address(out);
        HostKernels.parallel(maps, x.length(), (from, to) -> {
            for (int m = (int) from; m < to; m++) {
                long p = src + (long) m * hw * size, q = dst + (long) m * hw * size;
                double k = f ? U.getFloat(p) : U.getDouble(p);
                double[] sums = f ? sumsF(p, hw, k) : sumsD(p, hw, k);
                double d = sums[0] / hw;
                double var = Math.max(0, sums[1] / hw - d * d);
                mean[m] = k + d;
                rstd[m] = 1 / Math.sqrt(var + eps);
                double scale = rstd[m] * (weight == null ? 1 : weight[m % c]), shift = bias == null ? 0 : bias[m % c];
                if (f) affineF(p, q, hw, (float) mean[m], (float) (mean[m] - (float) mean[m]), (float) scale, (float) shift, relu);
                else affineD(p, q, hw, mean[m], scale, shift, relu);
            }
        });
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(out);
    }

    /**
     * The gradients of {@link #forward} (without relu) given the output gradient {@code g} and the forward's mean and
     * rstd: writes {@code gradIn} (may be {@code g}; null skips it) and, per map, {@code Σ g·x̂} and {@code Σ g} into
     * {@code sumGxHat} and {@code sumG}, from which the callers sum the weight and bias gradients over N. With
     * x̂ = (x − mean)·rstd and ĝ = g·weight[c]: {@code gradIn = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))·rstd}, which per map is
     * {@code A·g + B·(x − mean) + C}.
     */
    static void backward(INDArray x, INDArray g, INDArray gradIn, double[] weight, double[] mean, double[] rstd, double[] sumGxHat, double[] sumG) {
        if (gradIn == null) HostKernels.requireSupported("instanceNormBackward", x, g);
        else HostKernels.requireSupported("instanceNormBackward", x, g, gradIn);
        Shapes.requireRank("HostKernels.instanceNormBackward", "x (NCHW)", x, 4);
        Shapes.requireSameShape("HostKernels.instanceNormBackward", "x", x, "g", g);
        if (gradIn != null) Shapes.requireSameShape("HostKernels.instanceNormBackward", "x", x, "gradIn", gradIn);
        int c = Math.toIntExact(x.size(1));
        int maps = Math.toIntExact(x.size(0) * c);
        int hw = Math.toIntExact(x.size(2) * x.size(3));
        for (double[] a : new double[][] {mean, rstd, sumGxHat, sumG}) requireLength("per-map array", a, maps);
        boolean f = HostKernels.isFloat(x);
        long size = f ? F : D, xs = HostKernels.address(x), gs = HostKernels.address(g), out = gradIn == null ? 0 : HostKernels.address(gradIn);
        HostKernels.parallel(maps, x.length(), (from, to) -> {
            for (int m = (int) from; m < to; m++) {
                long offset = (long) m * hw * size;
                double[] s = f ? gradSumsF(xs + offset, gs + offset, hw, mean[m]) : gradSumsD(xs + offset, gs + offset, hw, mean[m]);
                sumG[m] = s[0];
                sumGxHat[m] = s[1] * rstd[m];
                if (out == 0) continue;
                double w = rstd[m] * (weight == null ? 1 : weight[m % c]);
                double meanG = s[0] / hw, meanGxHat = sumGxHat[m] / hw;
                double a = w, b = -w * rstd[m] * meanGxHat, cc = -w * meanG;
                if (f) gradF(gs + offset, xs + offset, out + offset, hw, (float) mean[m], (float) (mean[m] - (float) mean[m]), (float) a, (float) b, (float) cc);
                else gradD(gs + offset, xs + offset, out + offset, hw, mean[m], a, b, cc);
            }
        });
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(g);
        Reference.reachabilityFence(gradIn);
    }

    private static void requireLength(String name, double[] a, int maps) {
        if (a.length != maps) throw new IllegalArgumentException("HostKernels.instanceNorm: " + name + " has length " + a.length + ", expected " + maps);
    }

    // Four independent sums hide the float64 add latency; each map's order is fixed, so results do not depend on threads.

    /** {Σ (x − k), Σ (x − k)²} over n floats at p. */
    private static double[] sumsF(long p, int n, double k) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long a = p + (long) i * F;
            double d0 = U.getFloat(a) - k, d1 = U.getFloat(a + 4) - k, d2 = U.getFloat(a + 8) - k, d3 = U.getFloat(a + 12) - k;
            s0 += d0;
            s1 += d1;
            s2 += d2;
            s3 += d3;
            q0 += d0 * d0;
            q1 += d1 * d1;
            q2 += d2 * d2;
            q3 += d3 * d3;
        }
        for (; i < n; i++) {
            double d = U.getFloat(p + (long) i * F) - k;
            s0 += d;
            q0 += d * d;
        }
        return new double[] {(s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)};
    }

    private static double[] sumsD(long p, int n, double k) {
        double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            long a = p + (long) i * D;
            double d0 = U.getDouble(a) - k, d1 = U.getDouble(a + 8) - k;
            s0 += d0;
            s1 += d1;
            q0 += d0 * d0;
            q1 += d1 * d1;
        }
        for (; i < n; i++) {
            double d = U.getDouble(p + (long) i * D) - k;
            s0 += d;
            q0 += d * d;
        }
        return new double[] {s0 + s1, q0 + q1};
    }

    /** {Σ g, Σ g·(x − mean)} over n floats. */
    private static double[] gradSumsF(long x, long g, int n, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long o = (long) i * F;
            double g0 = U.getFloat(g + o), g1 = U.getFloat(g + o + 4), g2 = U.getFloat(g + o + 8), g3 = U.getFloat(g + o + 12);
            s0 += g0;
            s1 += g1;
            s2 += g2;
            s3 += g3;
            t0 += g0 * (U.getFloat(x + o) - mean);
            t1 += g1 * (U.getFloat(x + o + 4) - mean);
            t2 += g2 * (U.getFloat(x + o + 8) - mean);
            t3 += g3 * (U.getFloat(x + o + 12) - mean);
        }
        for (; i < n; i++) {
            long o = (long) i * F;
            double gi = U.getFloat(g + o);
            s0 += gi;
            t0 += gi * (U.getFloat(x + o) - mean);
        }
        return new double[] {(s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)};
    }

    private static double[] gradSumsD(long x, long g, int n, double mean) {
        double s0 = 0, s1 = 0, t0 = 0, t1 = 0;
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            long o = (long) i * D;
            double g0 = U.getDouble(g + o), g1 = U.getDouble(g + o + 8);
            s0 += g0;
            s1 += g1;
            t0 += g0 * (U.getDouble(x + o) - mean);
            t1 += g1 * (U.getDouble(x + o + 8) - mean);
        }
        for (; i < n; i++) {
            long o = (long) i * D;
            double gi = U.getDouble(g + o);
            s0 += gi;
            t0 += gi * (U.getDouble(x + o) - mean);
        }
        return new double[] {s0 + s1, t0 + t1};
    }

    /*
     * (x − mean) first: x·scale + (shift − mean·scale) would cancel two large terms where the mean is large. In float32
     * the mean is split into its float k and the rest r = mean − k: x − k is exact for x near k, and r is small, so the
     * difference keeps float32's precision relative to the spread (a plain float mean was 2e-5 off at mean/spread 3000).
     */

    private static void affineF(long x, long out, int n, float k, float r, float scale, float shift, boolean relu) {
        if (relu) {
            for (int i = 0; i < n; i++) {
                long o = (long) i * F;
                float v = ((U.getFloat(x + o) - k) - r) * scale + shift;
                U.putFloat(out + o, v < 0 ? 0 : v);
            }
        } else {
            for (int i = 0; i < n; i++) {
                long o = (long) i * F;
                U.putFloat(out + o, ((U.getFloat(x + o) - k) - r) * scale + shift);
            }
        }
    }

    private static void affineD(long x, long out, int n, double mean, double scale, double shift, boolean relu) {
        for (int i = 0; i < n; i++) {
            long o = (long) i * D;
            double v = (U.getDouble(x + o) - mean) * scale + shift;
            U.putDouble(out + o, relu && v < 0 ? 0 : v);
        }
    }

    private static void gradF(long g, long x, long out, int n, float k, float r, float a, float b, float c) {
        for (int i = 0; i < n; i++) {
            long o = (long) i * F;
            U.putFloat(out + o, a * U.getFloat(g + o) + b * ((U.getFloat(x + o) - k) - r) + c);
        }
    }

    private static void gradD(long g, long x, long out, int n, double mean, double a, double b, double c) {
        for (int i = 0; i < n; i++) {
            long o = (long) i * D;
            U.putDouble(out + o, a * U.getDouble(g + o) + b * (U.getDouble(x + o) - mean) + c);
        }
    }
}
