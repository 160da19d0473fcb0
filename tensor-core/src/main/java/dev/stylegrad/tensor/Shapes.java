package dev.stylegrad.tensor;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shape and dtype checks. Every failure is an {@link IllegalArgumentException} whose message names the op, the
 * argument and both the expected and the actual shape, so a user can see at once which call was wrong.
 */
public final class Shapes {
    private Shapes() {}

    /** {@code [2, 3, 4]} style formatting used in every message. */
    public static String format(long[] shape) {
        return Arrays.toString(shape);
    }

    public static void requireRank(String op, String argument, INDArray array, int rank) {
        if (array.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + argument + " must have rank " + rank + ", but has shape "
                    + format(array.shape()));
        }
    }

    public static void requireSameShape(String op, String nameA, INDArray a, String nameB, INDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": " + nameA + " and " + nameB + " must have the same shape, but "
                    + nameA + " has " + format(a.shape()) + " and " + nameB + " has " + format(b.shape()));
        }
    }

    /** Both arrays have the same float dtype; returns it. */
    public static DType requireSameDType(String op, String nameA, INDArray a, String nameB, INDArray b) {
        DType ta = DType.of(op, nameA, a);
        DType tb = DType.of(op, nameB, b);
        if (ta != tb) {
            throw new IllegalArgumentException(op + ": " + nameA + " and " + nameB + " must have the same dtype, but "
                    + nameA + " is " + ta + " and " + nameB + " is " + tb);
        }
        return ta;
    }

    public static void require(boolean condition, String op, String message) {
        if (!condition) throw new IllegalArgumentException(op + ": " + message);
    }

    /**
     * NumPy broadcasting of two shapes (align on the right; sizes must match or one of them be 1).
     *
     * @throws IllegalArgumentException naming the op and both shapes when they do not broadcast
     */
    public static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + format(a) + " and " + format(b)
                        + " do not broadcast (dimension " + i + " of the result: " + da + " vs " + db + ")");
            }
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /** Normalizes a possibly negative axis and checks it is in range for the given rank. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
