package dev.stylegrad.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sums whose bits do not depend on where they are computed. libnd4j splits a reduction over its OpenMP threads, so a
 * float32 sum of millions of elements rounds differently with 1 thread than with 2 (a tiled step's content loss of a
 * 4096×3072 picture came out 0.3% apart between a 1-thread executor and a 2-thread JVM). These add in float64, in
 * C order, in one thread: the same result in every JVM, and accurate to float64 rounding.
 */
public final class Sums {
    /** Elements per chunk copied out of native memory at a time. */
    private static final int CHUNK = 1 << 20;

    private Sums() {}

    /** Σ (a − b)² over all elements of two arrays of the same shape (views allowed), in float64, in C order. */
    public static double squaredDifference(INDArray a, INDArray b) {
        Shapes.requireSameShape("squared difference", "a", a, "b", b);
        INDArray ca = contiguous(a), cb = contiguous(b);
        long n = ca.length();
        double sum = 0;
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            double[] x = ca.data().getDoublesAt(from, len), y = cb.data().getDoublesAt(from, len);
            for (int i = 0; i < len; i++) {
                double d = x[i] - y[i];
                sum += d * d;
            }
        }
        return sum;
    }

    /** Σ x² over all elements (views allowed), in float64, in C order. */
    public static double squares(INDArray a) {
        INDArray c = contiguous(a);
        long n = c.length();
        double sum = 0;
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            double[] x = c.data().getDoublesAt(from, len);
            for (double v : x) sum += v * v;
        }
        return sum;
    }

    private static INDArray contiguous(INDArray a) {
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) throw new IllegalArgumentException("sums: FLOAT or DOUBLE arrays, got " + a.dataType());
        return a.isView() || a.ordering() != 'c' || a.offset() != 0 ? a.dup('c') : a;
    }
}
