package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Pool2dSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Average pooling over NCHW input. */
final class AvgPool2d extends Function {
    private final Pool2dSpec spec;

    AvgPool2d(Pool2dSpec spec) {
        this.spec = spec;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        ctx.saveForBackward(in[0]);
        return Kernels.avgPool2d(in[0], spec);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {Kernels.avgPool2dBackward(ctx.saved(0), g, spec)};
    }
}
