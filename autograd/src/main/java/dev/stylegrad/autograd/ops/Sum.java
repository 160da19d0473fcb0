package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Sum over some axes (all if none are given), optionally keeping them as size 1. */
final class Sum extends Function {
    private final int[] axes;
    private final boolean keepDims;
    private ReduceAxes reduce;

    Sum(int[] axes, boolean keepDims) {
        this.axes = axes;
        this.keepDims = keepDims;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        reduce = ReduceAxes.of("sum", in[0].rank(), axes, keepDims);
        return reduce.reduceSum(in[0]);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {reduce.expand(g, ctx.inputShape(0))};
    }
}
