package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** {@code e^x}. */
final class Exp extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray out = Transforms.exp(in[0], true);
        ctx.saveForBackward(out);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {Elementwise.mul(g, ctx.saved(0))};
    }
}
