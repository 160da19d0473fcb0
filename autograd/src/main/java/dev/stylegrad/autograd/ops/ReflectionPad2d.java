package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reflection padding of NCHW maps, as PyTorch's {@code ReflectionPad2d((left, right, top, bottom))}: the border is
 * mirrored about the edge pixel, which is not repeated ({@code 2 1 | 0 1 2 3 | 2 1}), so each pad must be smaller than
 * the side it pads. Backward folds each padded pixel's gradient back onto the pixel it mirrors. Built from whole-row and
 * whole-column copies (at most 2·pad of each), so it runs on every backend.
 */
final class ReflectionPad2d extends Function {
    private final int left, right, top, bottom;

    ReflectionPad2d(int left, int right, int top, int bottom) {
        if (left < 0 || right < 0 || top < 0 || bottom < 0) {
            throw new IllegalArgumentException("reflection pad: pads must be >= 0, got left " + left + ", right " + right
                    + ", top " + top + ", bottom " + bottom);
        }
        this.left = left;
        this.right = right;
        this.top = top;
        this.bottom = bottom;
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        INDArray x = in[0];
        Shapes.requireRank("reflection pad", "input (NCHW)", x, 4);
        long h = x.size(2), w = x.size(3);
        if (top >= h || bottom >= h || left >= w || right >= w) {
            throw new IllegalArgumentException("reflection pad: each pad must be smaller than the side it pads, but the input "
                    + Shapes.format(x.shape()) + " is " + h + "×" + w + " and the pads are left " + left + ", right " + right
                    + ", top " + top + ", bottom " + bottom);
        }
        INDArray fast = dev.stylegrad.tensor.Kernels.reflectionPad2dOrNull(x, left, right, top, bottom);
        if (fast != null) return fast;
        INDArray out = MemoryScope.allocate(x.dataType(), x.size(0), x.size(1), h + top + bottom, w + left + right);
        out.get(box(top, top + h, left, left + w)).assign(x);
        // Rows first (inside the original columns), then whole columns, which fills the corners from the padded rows.
        for (int i = 1; i <= top; i++) out.get(row(top - i, left, left + w)).assign(x.get(row(i, 0, w)));
        for (int i = 1; i <= bottom; i++) out.get(row(top + h - 1 + i, left, left + w)).assign(x.get(row(h - 1 - i, 0, w)));
        long fullH = h + top + bottom;
        for (int j = 1; j <= left; j++) out.get(column(left - j, fullH)).assign(out.get(column(left + j, fullH)));
        for (int j = 1; j <= right; j++) out.get(column(left + w - 1 + j, fullH)).assign(out.get(column(left + w - 1 - j, fullH)));
        return out;
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        long[] s = ctx.inputShape(0);
        long h = s[2], w = s[3], fullH = h + top + bottom;
        // The forward in reverse: fold the padded columns onto the ones they copied, then the padded rows.
        INDArray folded = MemoryScope.allocate(g.dataType(), g.shape()).assign(g);
        for (int j = right; j >= 1; j--) folded.get(column(left + w - 1 - j, fullH)).addi(folded.get(column(left + w - 1 + j, fullH)));
        for (int j = left; j >= 1; j--) folded.get(column(left + j, fullH)).addi(folded.get(column(left - j, fullH)));
        for (int i = bottom; i >= 1; i--) folded.get(row(top + h - 1 - i, left, left + w)).addi(folded.get(row(top + h - 1 + i, left, left + w)));
        for (int i = top; i >= 1; i--) folded.get(row(top + i, left, left + w)).addi(folded.get(row(top - i, left, left + w)));
        INDArray grad = MemoryScope.allocate(g.dataType(), s).assign(folded.get(box(top, top + h, left, left + w)));
        MemoryScope.release(folded);
        return new INDArray[] {grad};
    }

    private static INDArrayIndex[] box(long rowFrom, long rowTo, long colFrom, long colTo) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(rowFrom, rowTo),
            NDArrayIndex.interval(colFrom, colTo)};
    }

    private static INDArrayIndex[] row(long r, long colFrom, long colTo) {
        return box(r, r + 1, colFrom, colTo);
    }

    private static INDArrayIndex[] column(long c, long height) {
        return box(0, height, c, c + 1);
    }
}
