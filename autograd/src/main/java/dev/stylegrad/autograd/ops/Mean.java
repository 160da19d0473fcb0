package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mean over some axes (all if none are given), optionally keeping them as size 1. */
final class Mean extends Function {
    private final int[] axes;
    private final boolean keepDims;
    private ReduceAxes reduce;

    Mean(int[] axes, boolean keepDims) {
        this.axes = axes;
        this.keepDims = keepDims;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        reduce = ReduceAxes.of("mean", in[0].rank(), axes, keepDims);
        return reduce.reduceSum(in[0]).divi(reduce.count(in[0].shape()));
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {reduce.expand(g, ctx.inputShape(0)).divi(reduce.count(ctx.inputShape(0)))};
    }
}
