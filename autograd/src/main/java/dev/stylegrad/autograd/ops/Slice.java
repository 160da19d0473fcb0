package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.MemoryScope;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** A box of the input: per axis the half-open range [begin, end). Backward scatters into zeros. */
final class Slice extends Function {
    private final long[] begin;
    private final long[] end;

    Slice(long[] begin, long[] end) {
        this.begin = begin.clone();
        this.end = end.clone();
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        long[] shape = in[0].shape();
        if (begin.length != shape.length || end.length != shape.length) {
            throw new IllegalArgumentException("slice: begin " + Arrays.toString(begin) + " and end " + Arrays.toString(end)
                    + " must have one entry per axis of " + Arrays.toString(shape));
        }
        for (int i = 0; i < shape.length; i++) {
            if (begin[i] < 0 || end[i] > shape[i] || begin[i] >= end[i]) {
                throw new IllegalArgumentException("slice: range [" + begin[i] + ", " + end[i] + ") on axis " + i
                        + " is empty or outside size " + shape[i] + " of " + Arrays.toString(shape));
            }
        }
        return in[0].get(indices()).dup('c');
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        // From the step's memory scope: a tiled step slices every loss layer of every window, and fresh zeroed
        // arrays would fault in new pages each time.
        INDArray grad = MemoryScope.allocate(g.dataType(), ctx.inputShape(0)).assign(0);
        grad.get(indices()).assign(g);
        return new INDArray[] {grad};
    }

    private INDArrayIndex[] indices() {
        INDArrayIndex[] idx = new INDArrayIndex[begin.length];
        for (int i = 0; i < begin.length; i++) idx[i] = NDArrayIndex.interval(begin[i], end[i]);
        return idx;
    }
}
