package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Precision;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * 2-D convolution (cross-correlation, as PyTorch) of NCHW input with OIHW weights and an optional bias. Backward
 * computes only the gradients needed: frozen weights cost nothing beyond the input gradient.
 */
final class Conv2d extends Function {
    private final Conv2dSpec spec;
    private final Precision forwardPrecision, gradientPrecision;

    Conv2d(Conv2dSpec spec, Precision forwardPrecision, Precision gradientPrecision) {
        this.spec = spec;
        this.forwardPrecision = forwardPrecision;
        this.gradientPrecision = gradientPrecision;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray bias = in.length > 2 ? in[2] : null;
        // The input is only needed for the weight gradient; frozen weights let it be freed after the forward pass.
        ctx.saveForBackward(ctx.needsInputGrad(1) ? in[0] : null, in[1]);
        return Kernels.conv2d(in[0], in[1], bias, spec, forwardPrecision);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray[] grads = new INDArray[ctx.inputCount()];
        if (ctx.needsInputGrad(0)) grads[0] = Kernels.conv2dInputGradient(g, ctx.saved(1), ctx.inputShape(0), spec, gradientPrecision);
        if (ctx.needsInputGrad(1)) grads[1] = Kernels.conv2dWeightGradient(ctx.saved(0), ctx.saved(1), g, spec);
        if (grads.length > 2 && ctx.needsInputGrad(2)) grads[2] = Kernels.conv2dBiasGradient(g);
        return grads;
    }
}
