package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.MemoryScope;
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
 *
 * <p>The forward is one statistics pass per map and one pass writing {@code x·scale + shift} (scale and shift per
 * map, folding mean, variance and the affine parameters), so the normalized map is never stored: backward recomputes
 * it from the input. Measured on the transformer network at 1024×768: 77 ms per call with the textbook sequence of
 * whole-array ops (seven passes and four temporaries), 44 ms with this one (writing {@code x·scale} straight into the
 * output through libnd4j's legacy broadcast op instead of copy-then-scale in place was 2.5× slower).
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
        long n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
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
        INDArray maps = (x.ordering() == 'c' && !x.isView() ? x : x.dup('c')).reshape('c', n * c, hw);
        INDArray mean = maps.mean(1);                                     // [N·C]
        INDArray rstd = Transforms.pow(maps.var(false, 1).addi(eps), -0.5, false);
        INDArray scale = affine ? rstd.mul(in[1].reshape(1, c).repeat(0, n).reshape(n * c)) : rstd;
        INDArray shift = mean.mul(scale).negi();
        if (affine) shift.addi(in[2].reshape(1, c).repeat(0, n).reshape(n * c));
        INDArray out = MemoryScope.allocate(x.dataType(), x.shape());
        INDArray outMaps = out.reshape('c', n * c, hw).assign(maps);
        outMaps.muliColumnVector(scale.reshape(n * c, 1)).addiColumnVector(shift.reshape(n * c, 1));
        ctx.saveForBackward(maps, mean, rstd, affine ? in[1] : null);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray maps = ctx.saved(0), mean = ctx.saved(1), rstd = ctx.saved(2), weight = ctx.saved(3);
        long[] shape = ctx.inputShape(0);
        long n = shape[0], c = shape[1];
        INDArray normalized = maps.subColumnVector(mean.reshape(n * c, 1)).muliColumnVector(rstd.reshape(n * c, 1)).reshape('c', shape);
        INDArray[] grads = new INDArray[ctx.inputCount()];
        if (ctx.needsInputGrad(0)) {
            INDArray gHat = weight == null ? g : Elementwise.mul(g, weight.reshape(1, c, 1, 1));
            INDArray meanG = gHat.mean(true, 2, 3);
            INDArray meanGx = Elementwise.mul(gHat, normalized).mean(true, 2, 3);
            INDArray dx = Elementwise.sub(Elementwise.sub(gHat, meanG), Elementwise.mul(normalized, meanGx));
            grads[0] = Elementwise.mul(dx, rstd.reshape(n, c, 1, 1));
        }
        if (grads.length == 3 && ctx.needsInputGrad(1)) grads[1] = Elementwise.mul(g, normalized).sum(0, 2, 3);
        if (grads.length == 3 && ctx.needsInputGrad(2)) grads[2] = g.sum(0, 2, 3);
        return grads;
    }
}
