package dev.stylegrad.tensor;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exact comparison of arrays for tests that claim "identical", "bit for bit" or "the same as": dtype and shape equal,
 * and max |a − b| = 0 (NaN equals only NaN; −0 equals +0). ND4J's {@code equals} and AssertJ's {@code isEqualTo} on
 * arrays allow a difference of 1e-5 and would pass a wrong rounding. Shared with the other modules as a test-jar.
 */
public final class ExactArrays {
    private ExactArrays() {}

    /** The largest |a − b| (infinite where exactly one is NaN); shapes and dtypes must already agree. */
    public static double maxAbsDifference(INDArray a, INDArray b) {
        return worst(a, b)[0];
    }

    /** Throws an {@link AssertionError} naming {@code what}, the worst index and both values unless a equals b exactly. */
    public static void assertIdentical(String what, INDArray actual, INDArray expected) {
        if (actual.dataType() != expected.dataType()) {
            throw new AssertionError(what + ": dtype " + actual.dataType() + ", expected " + expected.dataType());
        }
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            throw new AssertionError(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
        }
        double[] w = worst(actual, expected);
        if (w[0] != 0) {
            long[] index = unravel((long) w[1], actual.shape());
            throw new AssertionError(String.format(java.util.Locale.ROOT,
                    "%s: max |difference| %.9g at %s (got %.9g, expected %.9g; largest |expected| %.9g), expected 0",
                    what, w[0], Arrays.toString(index), w[2], w[3], expected.amaxNumber().doubleValue()));
        }
    }

    /** {max |a − b|, its flat c-order index, a there, b there}. */
    private static double[] worst(INDArray a, INDArray b) {
        double[] x = a.dup('c').data().asDouble(), y = b.dup('c').data().asDouble();
        double[] w = {0, 0, x.length == 0 ? 0 : x[0], y.length == 0 ? 0 : y[0]};
        for (int i = 0; i < x.length; i++) {
            boolean nx = Double.isNaN(x[i]), ny = Double.isNaN(y[i]);
            double d = nx && ny ? 0 : nx || ny ? Double.POSITIVE_INFINITY : Math.abs(x[i] - y[i]);
            if (d > w[0]) w = new double[] {d, i, x[i], y[i]};
        }
        return w;
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }
}
