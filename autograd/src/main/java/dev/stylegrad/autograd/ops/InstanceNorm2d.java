package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Instance normalization of NCHW maps, as PyTorch's {@code InstanceNorm2d(C, affine=…)} in training and evaluation
 * alike (no running statistics): each (n, c) map is shifted to mean 0 and scaled by 1/√(var + eps), var the biased
 * variance over its H·W pixels; with affine parameters then {@code ·weight[c] + bias[c]}. Inputs: x, and optionally
 * weight [C] and bias [C] (both or neither). Backward: with x̂ the normalized map and ĝ = g·weight,
 * {@code dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(var + eps)} (means over H·W), {@code dweight = Σ g·x̂},
 * {@code dbias = Σ g}.
 */
final class InstanceNorm2d extends Function {
    private final double eps;

    InstanceNorm2d(double eps) {
        if (!(eps > 0)) throw new IllegalArgumentException("instance norm: eps must be > 0, got " + eps);
        this.eps = eps;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray x = in[0];
        Shapes.requireRank("instance norm", "input (NCHW)", x, 4);
        long c = x.size(1);
        boolean affine = in.length == 3;
        if (in.length == 2) throw new IllegalArgumentException("instance norm: give both weight and bias, or neither");
        if (affine) {
            for (int i = 1; i <= 2; i++) {
                if (in[i].rank() != 1 || in[i].size(0) != c) {
                    throw new IllegalArgumentException("instance norm: " + (i == 1 ? "weight" : "bias") + " must have shape [" + c
                            + "] for input " + Shapes.format(x.shape()) + ", got " + Shapes.format(in[i].shape()));
                }
                Shapes.requireSameDType("instance norm", "input", x, i == 1 ? "weight" : "bias", in[i]);
            }
        }
        INDArray mean = x.mean(true, 2, 3);
        INDArray centered = Elementwise.sub(x, mean);
        INDArray variance = Transforms.pow(centered, 2, true).mean(true, 2, 3);
        INDArray rstd = Transforms.pow(variance.addi(eps), -0.5, false); // [N, C, 1, 1]
        INDArray normalized = Elementwise.mul(centered, rstd);
        ctx.saveForBackward(normalized, rstd, affine ? in[1] : null);
        if (!affine) return normalized;
        return Elementwise.add(Elementwise.mul(normalized, in[1].reshape(1, c, 1, 1)), in[2].reshape(1, c, 1, 1));
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray normalized = ctx.saved(0), rstd = ctx.saved(1), weight = ctx.saved(2);
        long c = normalized.size(1);
        INDArray[] grads = new INDArray[ctx.inputCount()];
        if (ctx.needsInputGrad(0)) {
            INDArray gHat = weight == null ? g : Elementwise.mul(g, weight.reshape(1, c, 1, 1));
            INDArray meanG = gHat.mean(true, 2, 3);
            INDArray meanGx = Elementwise.mul(gHat, normalized).mean(true, 2, 3);
            INDArray dx = Elementwise.sub(Elementwise.sub(gHat, meanG), Elementwise.mul(normalized, meanGx));
            grads[0] = Elementwise.mul(dx, rstd);
        }
        if (grads.length == 3 && ctx.needsInputGrad(1)) grads[1] = Elementwise.mul(g, normalized).sum(0, 2, 3);
        if (grads.length == 3 && ctx.needsInputGrad(2)) grads[2] = g.sum(0, 2, 3);
        return grads;
    }
}
