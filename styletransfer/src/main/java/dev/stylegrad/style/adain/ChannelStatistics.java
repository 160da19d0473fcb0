package dev.stylegrad.style.adain;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Each channel's mean and standard deviation over the positions of a feature map, accumulated in float64 over any
 * number of boxes (the tiles of a print-size picture give the whole picture's statistics, in any order, to float64
 * rounding). The standard deviation is the reference's: √(unbiased variance + 1e-5).
 *
 * <p>Not safe for concurrent {@link #add}: one accumulator per picture and thread.
 */
final class ChannelStatistics {
    /** The reference's epsilon ({@code calc_mean_std(feat, eps=1e-5)}), added to the variance. */
    static final double EPS = 1e-5;

    private final double[] sum, sumSquares;
    private long count;

    ChannelStatistics(int channels) {
        sum = new double[channels];
        sumSquares = new double[channels];
    }

    /** The statistics of all of {@code features} [1, C, h, w]. */
    static ChannelStatistics of(INDArray features) {
        ChannelStatistics s = new ChannelStatistics((int) features.size(1));
        s.add(features, 0, features.size(2), 0, features.size(3));
        return s;
    }

    /** Adds positions [r0, r1) × [c0, c1) of {@code features} [1, C, h, w]. */
    void add(INDArray features, long r0, long r1, long c0, long c1) {
        if (features.size(1) != sum.length) throw new IllegalArgumentException("statistics of " + sum.length + " channels, features have " + features.size(1));
        for (int c = 0; c < sum.length; c++) {
            INDArray box = features.get(NDArrayIndex.point(0), NDArrayIndex.point(c), NDArrayIndex.interval(r0, r1), NDArrayIndex.interval(c0, c1));
            float[] v = box.castTo(DataType.FLOAT).dup('c').data().asFloat();
            double s = 0, q = 0;
            for (float x : v) {
                s += x;
                q += (double) x * x;
            }
            sum[c] += s;
            sumSquares[c] += q;
        }
        count += (r1 - r0) * (c1 - c0);
    }

    int channels() {
        return sum.length;
    }

    long count() {
        return count;
    }

    double mean(int c) {
        return sum[c] / count;
    }

    /** √(unbiased variance + 1e-5); the variance is that of one position when there is only one (n − 1 = 0 would divide by zero). */
    double std(int c) {
        double m = mean(c);
        double variance = count > 1 ? Math.max(0, (sumSquares[c] - count * m * m) / (count - 1)) : 0;
        return Math.sqrt(variance + EPS);
    }
}
