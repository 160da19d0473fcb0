package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code a * b} element-wise with broadcasting. */
final class Mul extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        ctx.saveForBackward(in[0], in[1]);
        return Elementwise.mul(in[0], in[1]);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray a = ctx.saved(0), b = ctx.saved(1);
        return new INDArray[] {
            ctx.needsInputGrad(0) ? Elementwise.sumTo(Elementwise.mul(g, b), ctx.inputShape(0)) : null,
            ctx.needsInputGrad(1) ? Elementwise.sumTo(Elementwise.mul(g, a), ctx.inputShape(1)) : null};
    }
}
