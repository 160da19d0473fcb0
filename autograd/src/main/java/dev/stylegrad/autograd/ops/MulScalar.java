package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code x * c} for a constant c. */
final class MulScalar extends Function {
    private final double c;

    MulScalar(double c) {
        this.c = c;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        return in[0].mul(c);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {g.mul(c)};
    }
}
