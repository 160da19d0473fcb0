package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mean squared error {@code mean((a - b)²)} over all elements of two same-shaped arrays; a scalar. */
final class Mse extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        Shapes.requireSameShape("mse", "a", in[0], "b", in[1]);
        INDArray diff = Elementwise.sub(in[0], in[1]);
        ctx.saveForBackward(diff);
        return Elementwise.mul(diff, diff).sum().divi(diff.length());
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray diff = ctx.saved(0);
        INDArray gradA = diff.mul(2.0 * g.getDouble(0) / diff.length());
        return new INDArray[] {ctx.needsInputGrad(0) ? gradA : null, ctx.needsInputGrad(1) ? gradA.neg() : null};
    }
}
