package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.MemoryScope;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code Σ x[box] ⊙ c}, a scalar: the inner product of a box of x (per axis [begin, end)) with c, which has the
 * box's shape. The same as {@code sum(mul(slice(x, begin, end), c))}, without the three box-sized arrays those
 * make forward and the two they make backward: the forward reads the box in place, and the gradient is c (or x's
 * box) times the incoming scalar, x's scattered into zeros. Tiled style losses seed each window's gradient this way.
 */
final class BoxDot extends Function {
    private final long[] begin;
    private final long[] end;

    BoxDot(long[] begin, long[] end) {
        this.begin = begin.clone();
        this.end = end.clone();
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray x = in[0], c = in[1];
        long[] shape = x.shape();
        if (begin.length != shape.length || end.length != shape.length) {
            throw new IllegalArgumentException("boxDot: begin " + Arrays.toString(begin) + " and end " + Arrays.toString(end)
                    + " must have one entry per axis of x " + Arrays.toString(shape));
        }
        long[] box = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (begin[i] < 0 || end[i] > shape[i] || begin[i] >= end[i]) {
                throw new IllegalArgumentException("boxDot: range [" + begin[i] + ", " + end[i] + ") on axis " + i
                        + " is empty or outside size " + shape[i] + " of x " + Arrays.toString(shape));
            }
            box[i] = end[i] - begin[i];
        }
        if (!Arrays.equals(c.shape(), box)) {
            throw new IllegalArgumentException("boxDot: c has shape " + Arrays.toString(c.shape()) + " but the box of x is " + Arrays.toString(box));
        }
        if (c.dataType() != x.dataType()) {
            throw new IllegalArgumentException("boxDot: x and c must have the same dtype, but x is " + x.dataType() + " and c is " + c.dataType());
        }
        ctx.saveForBackward(x, c);
        // ND4J's reduce3 dot walks the strided view of the box; no copy.
        return Nd4j.getExecutioner().exec(new Dot(x.get(indices()), c)).reshape();
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray x = ctx.saved(0), c = ctx.saved(1);
        double scale = g.getDouble(0);
        INDArray gradX = null, gradC = null;
        if (ctx.needsInputGrad(0)) {
            gradX = MemoryScope.allocate(x.dataType(), x.shape()).assign(0);
            gradX.get(indices()).assign(c).muli(scale);
        }
        if (ctx.needsInputGrad(1)) gradC = MemoryScope.allocate(c.dataType(), c.shape()).assign(x.get(indices())).muli(scale);
        return new INDArray[] {gradX, gradC};
    }

    private INDArrayIndex[] indices() {
        INDArrayIndex[] idx = new INDArrayIndex[begin.length];
        for (int i = 0; i < begin.length; i++) idx[i] = NDArrayIndex.interval(begin[i], end[i]);
        return idx;
    }
}
