package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reorders axes (transpose is the two-axis case). The result is a C-ordered copy, so kernels see dense data. */
final class Permute extends Function {
    private final int[] order;

    Permute(int... order) {
        this.order = order.clone();
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        int rank = in[0].rank();
        boolean[] seen = new boolean[rank];
        if (order.length != rank) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " must list all " + rank + " axes of "
                    + Arrays.toString(in[0].shape()));
        }
        for (int a : order) {
            if (a < 0 || a >= rank || seen[a]) {
                throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " is not a permutation of 0.." + (rank - 1));
            }
            seen[a] = true;
        }
        return in[0].permute(order).dup('c');
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[order[i]] = i;
        return new INDArray[] {g.permute(inverse).dup('c')};
    }
}
