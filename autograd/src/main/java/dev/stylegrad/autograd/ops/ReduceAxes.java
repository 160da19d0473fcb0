package dev.stylegrad.autograd.ops;

import dev.stylegrad.tensor.Shapes;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The axes a reduction (sum, mean) runs over, and the inverse that spreads its gradient back over them. */
record ReduceAxes(int[] axes, boolean keepDims) {

    /** Normalizes the axes for an input of the given rank; no axes means all of them. */
    static ReduceAxes of(String op, int rank, int[] axes, boolean keepDims) {
        int[] norm = axes == null || axes.length == 0 ? allAxes(rank) : axes.clone();
        for (int i = 0; i < norm.length; i++) norm[i] = Shapes.axis(op, norm[i], rank);
        int[] sorted = Arrays.stream(norm).sorted().distinct().toArray();
        if (sorted.length != norm.length) throw new IllegalArgumentException(op + ": repeated axis in " + Arrays.toString(axes));
        return new ReduceAxes(sorted, keepDims);
    }

    INDArray reduceSum(INDArray x) {
        return x.sum(keepDims, axes);
    }

    /** Number of input elements folded into each output element. */
    long count(long[] inputShape) {
        long n = 1;
        for (int a : axes) n *= inputShape[a];
        return n;
    }

    /** Broadcasts the reduced gradient back to the input shape. */
    INDArray expand(INDArray g, long[] inputShape) {
        long[] kept = inputShape.clone();
        for (int a : axes) kept[a] = 1;
        return g.reshape('c', kept).broadcast(inputShape);
    }

    private static int[] allAxes(int rank) {
        int[] all = new int[rank];
        for (int i = 0; i < rank; i++) all[i] = i;
        return all;
    }
}
