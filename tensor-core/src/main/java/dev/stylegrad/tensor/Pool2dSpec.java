package dev.stylegrad.tensor;

/**
 * Geometry of a 2-D pooling window over NCHW input: kernel, stride and zero padding per spatial axis (floor mode,
 * as PyTorch's default). For average pooling, {@code countIncludePad} says whether padded zeros count in the divisor
 * (PyTorch's {@code count_include_pad}, default true).
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {

    /** VGG's pooling: 2x2 window, stride 2, no padding. */
    public static final Pool2dSpec VGG = new Pool2dSpec(2, 2, 2, 2, 0, 0, true);

    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1) throw new IllegalArgumentException("pool2d: kernel must be >= 1, got " + kernelH + "x" + kernelW);
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("pool2d: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("pool2d: padding must be >= 0, got " + padH + "x" + padW);
        // PyTorch's rule; larger padding would create windows that see only padding.
        if (2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException("pool2d: padding " + padH + "x" + padW + " must be at most half the kernel " + kernelH + "x" + kernelW);
        }
    }

    public static Pool2dSpec of(int kernel, int stride, int pad) {
        return new Pool2dSpec(kernel, kernel, stride, stride, pad, pad, true);
    }

    public long outH(long inH) {
        return (inH + 2L * padH - kernelH) / strideH + 1;
    }

    public long outW(long inW) {
        return (inW + 2L * padW - kernelW) / strideW + 1;
    }
}
