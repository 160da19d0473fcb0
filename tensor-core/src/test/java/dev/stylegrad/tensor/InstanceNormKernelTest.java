package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link InstanceNormKernel} against instance norm written out in plain doubles, forward (with and without ReLU) and
 * backward (input, weight and bias gradients), in float32 and float64; maps whose mean is far larger than their spread
 * (where x·scale + shift would cancel); and the same bits on one, two and three threads.
 */
class InstanceNormKernelTest {
    static final double EPS = 1e-5;

    /** Values around {@code offset} with spread {@code spread}. */
    static INDArray data(DataType t, long seed, double offset, double spread, long... shape) {
        Random r = new Random(seed);
        INDArray a = Nd4j.create(t, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, offset + spread * r.nextGaussian());
        return a;
    }

    /** Reference forward and backward in doubles: {out, gradIn, dWeight, dBias}. */
    static double[][] reference(INDArray x, INDArray g, double[] w, double[] b, boolean relu) {
        int n = (int) x.size(0), c = (int) x.size(1), hw = (int) (x.size(2) * x.size(3));
        double[] xs = x.dup('c').data().asDouble(), gs = g.dup('c').data().asDouble();
        double[] out = new double[xs.length], gradIn = new double[xs.length], dw = new double[c], db = new double[c];
        for (int m = 0; m < n * c; m++) {
            int ch = m % c, o = m * hw;
            double mean = 0, var = 0;
            for (int i = 0; i < hw; i++) mean += xs[o + i];
            mean /= hw;
            for (int i = 0; i < hw; i++) var += (xs[o + i] - mean) * (xs[o + i] - mean);
            double rstd = 1 / Math.sqrt(var / hw + EPS), sg = 0, sgx = 0;
            for (int i = 0; i < hw; i++) {
                double xhat = (xs[o + i] - mean) * rstd;
                out[o + i] = relu ? Math.max(0, xhat * w[ch] + b[ch]) : xhat * w[ch] + b[ch];
                sg += gs[o + i];
                sgx += gs[o + i] * xhat;
            }
            dw[ch] += sgx;
            db[ch] += sg;
            for (int i = 0; i < hw; i++) {
                double xhat = (xs[o + i] - mean) * rstd;
                gradIn[o + i] = w[ch] * rstd * (gs[o + i] - sg / hw - xhat * sgx / hw);
            }
        }
        return new double[][] {out, gradIn, dw, db};
    }

    static double worstRelative(double[] got, double[] want) {
        double worst = 0, scale = 0;
        for (double v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        return worst / scale;
    }

    @Test
    void forwardAndBackwardMatchTheFormulasInBothPrecisions() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (double offset : new double[] {0, 3e3}) { // 3e3: mean 3000 times the spread
                // float64's mean itself rounds by 3000·2^-53 of the spread there; float32 splits its mean (the kernel's comment)
                double bound = t == DataType.FLOAT ? 2e-6 : 1e-13 * (1 + offset / 100);
                for (boolean relu : new boolean[] {false, true}) {
                    INDArray x = data(t, 1, offset, 1, 2, 3, 17, 19), g = data(t, 2, 0, 1, 2, 3, 17, 19);
                    double[] w = {0.5, -1.5, 2}, b = {0.1, 0, -0.3};
                    int maps = 6;
                    double[] mean = new double[maps], rstd = new double[maps], sgx = new double[maps], sg = new double[maps];
                    INDArray out = x.ulike(), gradIn = x.ulike();
                    InstanceNormKernel.forward(x, out, w, b, EPS, mean, rstd, relu);
                    double[][] want = reference(x, g, w, b, relu);
                    String what = t + ", mean " + offset + (relu ? ", relu" : "");
                    assertThat(worstRelative(out.data().asDouble(), want[0])).as("forward, " + what).isLessThan(bound);
                    if (relu) continue;
                    InstanceNormKernel.backward(x, g, gradIn, w, mean, rstd, sgx, sg);
                    double[] dw = new double[3], db = new double[3];
                    for (int m = 0; m < maps; m++) {
                        dw[m % 3] += sgx[m];
                        db[m % 3] += sg[m];
                    }
                    assertThat(worstRelative(gradIn.data().asDouble(), want[1])).as("input gradient, " + what).isLessThan(bound);
                    assertThat(worstRelative(dw, want[2])).as("weight gradient, " + what).isLessThan(bound);
                    assertThat(worstRelative(db, want[3])).as("bias gradient, " + what).isLessThan(bound);
                }
            }
        }
    }

    @Test
    void reluKeepsNaNAndNegativeZeroAsLibnd4jDoes() {
        INDArray x = Nd4j.createFromArray(new float[] {1, 2, 3, Float.NaN}).reshape(1, 1, 2, 2);
        INDArray out = x.ulike();
        double[] mean = new double[1], rstd = new double[1];
        InstanceNormKernel.forward(x, out, null, null, EPS, mean, rstd, true);
        assertThat(out.getFloat(3)).isNaN(); // a NaN map stays NaN
        INDArray y = Nd4j.createFromArray(new float[] {-1, 1}).reshape(1, 1, 1, 2);
        INDArray yOut = y.ulike();
        InstanceNormKernel.forward(y, yOut, new double[] {1}, new double[] {0}, EPS, mean, rstd, true);
        assertThat(yOut.getFloat(0)).isEqualTo(0f);
        assertThat(yOut.getFloat(1)).isGreaterThan(0.99f);
    }

    @Test
    void theSameBitsOnOneTwoAndThreeThreads() {
        int saved = KernelConfig.hostThreads();
        try {
            for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                INDArray x = data(t, 3, 1, 2, 2, 5, 97, 101), g = data(t, 4, 0, 1, 2, 5, 97, 101); // 98,000: above PARALLEL_MIN_ELEMENTS
                assertThat(x.length()).isGreaterThanOrEqualTo(HostKernels.PARALLEL_MIN_ELEMENTS);
                double[] w = {1, 2, 3, 4, 5}, b = {0, 1, 0, 1, 0};
                INDArray wantOut = null, wantGrad = null;
                double[] wantSums = null;
                for (int threads : new int[] {1, 2, 3}) {
                    KernelConfig.setHostThreads(threads);
                    double[] mean = new double[10], rstd = new double[10], sgx = new double[10], sg = new double[10];
                    INDArray out = x.ulike(), gradIn = x.ulike();
                    InstanceNormKernel.forward(x, out, w, b, EPS, mean, rstd, false);
                    InstanceNormKernel.backward(x, g, gradIn, w, mean, rstd, sgx, sg);
                    double[] sums = new double[20];
                    System.arraycopy(sgx, 0, sums, 0, 10);
                    System.arraycopy(sg, 0, sums, 10, 10);
                    if (wantOut == null) {
                        wantOut = out;
                        wantGrad = gradIn;
                        wantSums = sums;
                        continue;
                    }
                    assertThat(ExactArrays.maxAbsDifference(out, wantOut)).as(t + " forward on " + threads + " threads").isZero();
                    assertThat(ExactArrays.maxAbsDifference(gradIn, wantGrad)).as(t + " backward on " + threads + " threads").isZero();
                    assertThat(sums).as(t + " sums on " + threads + " threads").containsExactly(wantSums);
                }
            }
        } finally {
            KernelConfig.setHostThreads(saved);
        }
    }
}
