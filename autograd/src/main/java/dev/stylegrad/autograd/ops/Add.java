package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code a + b} with broadcasting. */
final class Add extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        return Elementwise.add(in[0], in[1]);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {
            ctx.needsInputGrad(0) ? Elementwise.sumTo(g, ctx.inputShape(0)) : null,
            ctx.needsInputGrad(1) ? Elementwise.sumTo(g, ctx.inputShape(1)) : null};
    }
}
