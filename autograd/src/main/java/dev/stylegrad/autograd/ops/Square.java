package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code x²}. */
final class Square extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        ctx.saveForBackward(in[0]);
        return Elementwise.mul(in[0], in[0]);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {Elementwise.mul(g, ctx.saved(0)).muli(2.0)};
    }
}
