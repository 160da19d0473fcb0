package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Joins inputs along one axis; all other axes must agree. */
final class Concat extends Function {
    private final int axis;

    Concat(int axis) {
        this.axis = axis;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        long[] first = in[0].shape();
        for (int k = 1; k < in.length; k++) {
            long[] s = in[k].shape();
            boolean ok = s.length == first.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == axis || s[i] == first[i];
            if (!ok) {
                throw new IllegalArgumentException("concat: input " + k + " has shape " + Arrays.toString(s)
                        + ", which does not match input 0 " + Arrays.toString(first) + " outside axis " + axis);
            }
        }
        return Nd4j.concat(axis, in);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray[] grads = new INDArray[ctx.inputCount()];
        long offset = 0;
        for (int k = 0; k < grads.length; k++) {
            long size = ctx.inputShape(k)[axis];
            if (ctx.needsInputGrad(k)) {
                INDArrayIndex[] idx = new INDArrayIndex[g.rank()];
                for (int i = 0; i < idx.length; i++) idx[i] = i == axis ? NDArrayIndex.interval(offset, offset + size) : NDArrayIndex.all();
                grads[k] = g.get(idx).dup('c');
            }
            offset += size;
        }
        return grads;
    }
}
