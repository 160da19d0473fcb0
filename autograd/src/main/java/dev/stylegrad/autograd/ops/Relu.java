package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code max(x, 0)}; the gradient at exactly 0 is 0, as in PyTorch. */
final class Relu extends Function {
    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray out = Kernels.relu(in[0]);
        ctx.saveForBackward(out);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        // The output is positive exactly where the input is, so it serves as the mask and the input can be freed.
        return new INDArray[] {Kernels.reluBackward(ctx.saved(0), g)};
    }
}
