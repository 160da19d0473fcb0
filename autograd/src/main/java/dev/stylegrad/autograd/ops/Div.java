package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code a / b} element-wise with broadcasting. */
final class Div extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray out = Elementwise.div(in[0], in[1]);
        ctx.saveForBackward(in[1], out);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray b = ctx.saved(0), out = ctx.saved(1);
        INDArray gOverB = Elementwise.div(g, b);
        return new INDArray[] {
            ctx.needsInputGrad(0) ? Elementwise.sumTo(gOverB, ctx.inputShape(0)) : null,
            // d(a/b)/db = -a/b² = -out/b
            ctx.needsInputGrad(1) ? Elementwise.sumTo(Elementwise.mul(gOverB, out).negi(), ctx.inputShape(1)) : null};
    }
}
