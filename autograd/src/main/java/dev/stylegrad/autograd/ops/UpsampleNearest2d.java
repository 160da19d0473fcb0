package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Nearest-neighbour upsampling of NCHW maps by a whole factor, as PyTorch's {@code F.interpolate(x,
 * scale_factor=s, mode="nearest")}: {@code out[n, c, s·i + a, s·j + b] = x[n, c, i, j]}. Forward is a broadcast of
 * the input viewed as [N, C, H, 1, W, 1]; backward sums each s×s block of the output gradient.
 */
final class UpsampleNearest2d extends Function {
    private final int factor;

    UpsampleNearest2d(int factor) {
        if (factor < 1) throw new IllegalArgumentException("upsample: the factor must be >= 1, got " + factor);
        this.factor = factor;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray x = in[0];
        Shapes.requireRank("upsample", "input (NCHW)", x, 4);
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        INDArray out = MemoryScope.allocate(x.dataType(), n, c, h * factor, w * factor);
        INDArray source = x.dup('c').reshape('c', n, c, h, 1, w, 1);
        out.reshape('c', n, c, h, factor, w, factor).assign(source.broadcast(n, c, h, factor, w, factor));
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        long[] s = ctx.inputShape(0);
        INDArray blocks = g.dup('c').reshape('c', s[0], s[1], s[2], factor, s[3], factor);
        INDArray grad = MemoryScope.allocate(g.dataType(), s).assign(blocks.sum(3, 5).reshape('c', s));
        return new INDArray[] {grad};
    }
}
