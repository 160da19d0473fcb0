package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** {@code x^p} for a constant exponent p. */
final class Pow extends Function {
    private final double p;

    Pow(double p) {
        this.p = p;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        ctx.saveForBackward(in[0]);
        return Transforms.pow(in[0], p, true);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray dxdp = Transforms.pow(ctx.saved(0), p - 1, true).muli(p);
        return new INDArray[] {Elementwise.mul(g, dxdp)};
    }
}
