package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.tensor.MemoryScope;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code relu(conv2d(x, w) + b)} as one op, the block VGG repeats. Fused so the pre-activation never needs its own
 * array: the ReLU runs in place on the convolution's output (PyTorch's VGG does the same with {@code inplace=True}),
 * and backward masks the incoming gradient in place when the engine allows it, else into one scratch array that is
 * handed back as soon as the convolution's gradients are made. Values and gradients equal {@code relu(conv2d(...))} exactly.
 */
final class Conv2dRelu extends Function {
    private final Conv2dSpec spec;
    private final Precision forwardPrecision, gradientPrecision;

    Conv2dRelu(Conv2dSpec spec, Precision forwardPrecision, Precision gradientPrecision) {
        this.spec = spec;
        this.forwardPrecision = forwardPrecision;
        this.gradientPrecision = gradientPrecision;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray bias = in.length > 2 ? in[2] : null;
        INDArray out = Kernels.conv2dRelu(in[0], in[1], bias, spec, forwardPrecision);
        // The output is positive exactly where the pre-activation is, so it serves as the ReLU mask; the input is
        // only needed for the weight gradient.
        ctx.saveForBackward(out, ctx.needsInputGrad(1) ? in[0] : null, in[1]);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        boolean inPlace = ctx.gradOutputIsScratch();
        INDArray masked = inPlace ? Kernels.reluBackwardInPlace(ctx.saved(0), g) : Kernels.reluBackward(ctx.saved(0), g);
        INDArray[] grads = new INDArray[ctx.inputCount()];
        if (ctx.needsInputGrad(0)) grads[0] = Kernels.conv2dInputGradient(masked, ctx.saved(2), ctx.inputShape(0), spec, gradientPrecision);
        if (ctx.needsInputGrad(1)) grads[1] = Kernels.conv2dWeightGradient(ctx.saved(1), ctx.saved(2), masked, spec);
        if (grads.length > 2 && ctx.needsInputGrad(2)) grads[2] = Kernels.conv2dBiasGradient(masked);
        if (!inPlace) MemoryScope.release(masked); // ours alone, and nothing returned is a view of it
        return grads;
    }
}
