package dev.stylegrad.style;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;

/** Total variation {@code Σ (x[i+1,j] − x[i,j])² + (x[i,j+1] − x[i,j])²} over all channels of an NCHW image. */
final class TotalVariation {
    private TotalVariation() {}

    static Tensor of(Tensor x) {
        long[] s = x.shape();
        long n = s[0], c = s[1], h = s[2], w = s[3];
        if (h < 2 || w < 2) throw new IllegalArgumentException("total variation needs an image of at least 2x2, got " + w + "x" + h);
        Tensor down = Ops.sub(Ops.slice(x, new long[] {0, 0, 1, 0}, new long[] {n, c, h, w}),
                Ops.slice(x, new long[] {0, 0, 0, 0}, new long[] {n, c, h - 1, w}));
        Tensor right = Ops.sub(Ops.slice(x, new long[] {0, 0, 0, 1}, new long[] {n, c, h, w}),
                Ops.slice(x, new long[] {0, 0, 0, 0}, new long[] {n, c, h, w - 1}));
        return Ops.add(Ops.sum(Ops.square(down)), Ops.sum(Ops.square(right)));
    }
}
