package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adaptive instance normalization (Huang and Belongie, 2017), as naoto0804/pytorch-AdaIN's {@code
 * adaptive_instance_normalization} computes it: per (n, c) map, μ the mean over its positions and σ = √(unbiased
 * variance + eps), for the content x [N, C, H, W] and the style s [N, C, H', W'] alike;
 * {@code out = σ(s)·(x − μ(x))/σ(x) + μ(s)}.
 *
 * <p>Backward, with x̂ = (x − μ(x))/σ(x), n = H·W, m = H'·W' and ĝ = g·σ(s):
 * {@code dx = (ĝ − mean(ĝ) − x̂·Σ(ĝ·x̂)/(n − 1)) / σ(x)} (the unbiased variance's n − 1, not n as in instance norm);
 * {@code ds = Σg/m + Σ(g·x̂)·(s − μ(s))/((m − 1)·σ(s))}.
 */
final class AdaIn extends Function {
    private final double eps;

    AdaIn(double eps) {
        if (!(eps > 0)) throw new IllegalArgumentException("adain: eps must be > 0, got " + eps);
        this.eps = eps;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray x = in[0], s = in[1];
        Shapes.requireRank("adain", "content features (NCHW)", x, 4);
        Shapes.requireRank("adain", "style features (NCHW)", s, 4);
        Shapes.requireSameDType("adain", "content features", x, "style features", s);
        if (x.size(0) != s.size(0) || x.size(1) != s.size(1)) {
            throw new IllegalArgumentException("adain: content and style features need the same batch and channels, got " + Shapes.format(x.shape())
                    + " and " + Shapes.format(s.shape()));
        }
        for (INDArray a : in) {
            if (a.size(2) * a.size(3) < 2) {
                throw new IllegalArgumentException("adain: an unbiased variance needs at least 2 positions per map, got " + Shapes.format(a.shape()));
            }
        }
        Stats cs = Stats.of(x, eps), ss = Stats.of(s, eps);
        long n = x.size(0), c = x.size(1);
        // out = x·scale + shift per map: scale = σ(s)/σ(x), shift = μ(s) − μ(x)·scale
        INDArray scale = ss.std.div(cs.std), shift = ss.mean.sub(cs.mean.mul(scale));
        INDArray out = cs.maps.mulColumnVector(scale.reshape(n * c, 1)).addiColumnVector(shift.reshape(n * c, 1)).reshape('c', x.shape());
        ctx.saveForBackward(cs.maps, cs.mean, cs.std, ss.maps, ss.mean, ss.std);
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        INDArray xMaps = ctx.saved(0), xMean = ctx.saved(1), xStd = ctx.saved(2), sMaps = ctx.saved(3), sMean = ctx.saved(4), sStd = ctx.saved(5);
        long[] xShape = ctx.inputShape(0), sShape = ctx.inputShape(1);
        long rows = xShape[0] * xShape[1], positions = xShape[2] * xShape[3], stylePositions = sShape[2] * sShape[3];
        INDArray gMaps = (g.ordering() == 'c' && !g.isView() ? g : g.dup('c')).reshape('c', rows, positions);
        INDArray normalized = xMaps.subColumnVector(xMean.reshape(rows, 1)).diviColumnVector(xStd.reshape(rows, 1));
        INDArray gx = Elementwise.mul(gMaps, normalized).sum(1);                      // Σ(g·x̂) per map
        INDArray[] grads = new INDArray[2];
        if (ctx.needsInputGrad(0)) {
            INDArray gHat = gMaps.mulColumnVector(sStd.reshape(rows, 1));
            INDArray dx = gHat.subColumnVector(gHat.mean(1).reshape(rows, 1))
                    .subi(normalized.mulColumnVector(gx.mul(sStd).divi(positions - 1).reshape(rows, 1)))
                    .diviColumnVector(xStd.reshape(rows, 1));
            grads[0] = dx.reshape('c', xShape);
        }
        if (ctx.needsInputGrad(1)) {
            INDArray dMean = gMaps.sum(1).divi(stylePositions);
            INDArray dStd = gx.divi(sStd.mul(stylePositions - 1));
            INDArray ds = sMaps.subColumnVector(sMean.reshape(rows, 1)).muliColumnVector(dStd.reshape(rows, 1)).addiColumnVector(dMean.reshape(rows, 1));
            grads[1] = ds.reshape('c', sShape);
        }
        return grads;
    }

    /** One input's maps [N·C, H·W] (C order), their means and their σ = √(unbiased variance + eps), each [N·C]. */
    private record Stats(INDArray maps, INDArray mean, INDArray std) {
        static Stats of(INDArray a, double eps) {
            INDArray maps = (a.ordering() == 'c' && !a.isView() ? a : a.dup('c')).reshape('c', a.size(0) * a.size(1), a.size(2) * a.size(3));
            return new Stats(maps, maps.mean(1), Transforms.sqrt(maps.var(true, 1).addi(eps), false));
        }
    }
}
