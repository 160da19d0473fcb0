package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Matrix product {@code a·b} of rank-2 arrays, or batched over the first axis of rank-3 arrays. */
final class MatMul extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        ctx.saveForBackward(in[0], in[1]);
        return Kernels.matmul(in[0], in[1], false, false);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray a = ctx.saved(0), b = ctx.saved(1);
        return new INDArray[] {
            ctx.needsInputGrad(0) ? Kernels.matmul(g, b, false, true) : null,  // dA = g·bᵀ
            ctx.needsInputGrad(1) ? Kernels.matmul(a, g, true, false) : null}; // dB = aᵀ·g
    }
}
