package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gram matrices of feature maps: input [N, C, H, W] is viewed as F [N, C, H·W] and the result is {@code G = F·Fᵀ}
 * [N, C, C], not normalized. Fused because {@code dF = (dG + dGᵀ)·F} is one product, where differentiating the
 * composed {@code matmul(F, transpose(F))} would take two.
 */
final class Gram extends Function {
    private final Precision forwardPrecision, gradientPrecision;

    Gram(Precision forwardPrecision, Precision gradientPrecision) {
        this.forwardPrecision = forwardPrecision;
        this.gradientPrecision = gradientPrecision;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        Shapes.requireRank("gram", "features (NCHW)", in[0], 4);
        long[] s = in[0].shape();
        INDArray f = in[0].reshape('c', s[0], s[1], s[2] * s[3]);
        ctx.saveForBackward(f);
        return Kernels.gram(f, forwardPrecision);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray symmetric = Elementwise.add(g, g.permute(0, 2, 1));
        INDArray gradF = Kernels.mixChannels(symmetric, ctx.saved(0).reshape('c', ctx.inputShape(0)), gradientPrecision);
        MemoryScope.release(symmetric);
        return new INDArray[] {gradF};
    }
}
