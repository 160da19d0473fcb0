package dev.stylegrad.tensor;

/**
 * Geometry of a 2-D convolution over NCHW input with OIHW weights (PyTorch's layout): stride, zero padding and
 * dilation per spatial axis. Kernel size comes from the weights.
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {

    /** VGG's convolution: stride 1, pad 1, no dilation. */
    public static final Conv2dSpec SAME_3X3 = new Conv2dSpec(1, 1, 1, 1, 1, 1);

    public Conv2dSpec {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("conv2d: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + padH + "x" + padW);
        if (dilationH < 1 || dilationW < 1) throw new IllegalArgumentException("conv2d: dilation must be >= 1, got " + dilationH + "x" + dilationW);
    }

    public static Conv2dSpec of(int stride, int pad, int dilation) {
        return new Conv2dSpec(stride, stride, pad, pad, dilation, dilation);
    }

    /** Output height for an input height and kernel height (floor division, as PyTorch). */
    public long outH(long inH, long kH) {
        return (inH + 2L * padH - (long) dilationH * (kH - 1) - 1) / strideH + 1;
    }

    public long outW(long inW, long kW) {
        return (inW + 2L * padW - (long) dilationW * (kW - 1) - 1) / strideW + 1;
    }
}
