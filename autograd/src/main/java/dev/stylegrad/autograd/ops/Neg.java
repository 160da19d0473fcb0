package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code -x}. */
final class Neg extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        return in[0].neg();
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {g.neg()};
    }
}
