package dev.stylegrad.bench;

import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Precision;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The alternatives {@link ConvBenchmark} compares for VGG's 3×3, stride-1, pad-1 convolution (batch 1), each
 * allocating its result in the caller's memory scope:
 *
 * <ul>
 *   <li>forward: {@link Kernels#conv2d} (libnd4j {@code conv2d}, oneDNN on this build) vs {@link #forwardIm2col}
 *       (libnd4j's {@code im2col} op, then one GEMM) vs {@link #forwardNhwc} (libnd4j {@code conv2d} on NHWC input
 *       and [kH, kW, iC, oC] weights);</li>
 *   <li>input gradient: {@link Kernels#conv2dInputGradient} (a transposed convolution, {@code deconv2d}) vs
 *       {@link #conv2dBp} (libnd4j's {@code conv2d_bp}, which also computes the weight gradient).</li>
 * </ul>
 */
public final class ConvKernels {
    private ConvKernels() {}

    // libnd4j conv2d integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, paddingMode (0 explicit), isNHWC, wFormat.
    private static final int W_HWIO = 0, W_OIHW = 1;

    /**
     * VGG's convolution as the library runs it ({@link Kernels#conv2d}): NCHW input, OIHW weights; on CPU float32,
     * oneDNN's kernel through a primitive cached per shape, weights reordered once if frozen.
     */
    public static INDArray forward(INDArray input, INDArray weight, INDArray bias) {
        return Kernels.conv2d(input, weight, bias, Conv2dSpec.SAME_3X3);
    }

    /**
     * {@link #forward} with bfloat16 products ({@link Precision#BF16}: operands rounded, float32 sums and result);
     * throws where the CPU has no bfloat16 instructions.
     */
    public static INDArray forwardBf16(INDArray input, INDArray weight, INDArray bias) {
        return Kernels.conv2d(input, weight, bias, Conv2dSpec.SAME_3X3, Precision.BF16);
    }

    /** {@link #inputGradient} with bfloat16 products, as {@link #forwardBf16}. */
    public static INDArray inputGradientBf16(INDArray gradOut, INDArray weight, long[] inputShape) {
        return Kernels.conv2dInputGradient(gradOut, weight, inputShape, Conv2dSpec.SAME_3X3, Precision.BF16);
    }

    /** The same through libnd4j's conv2d op (its own oneDNN call: primitive and reorders made on every call). */
    public static INDArray forwardLibnd4j(INDArray input, INDArray weight, INDArray bias) {
        return Kernels.conv2dLibnd4j(input, weight, bias, Conv2dSpec.SAME_3X3);
    }

    /**
     * The same convolution as im2col + GEMM: libnd4j's {@code im2col} op gives columns [1, C, 3, 3, H, W], seen as
     * [C·9, H·W]; then {@code W [O, C·9] · columns} and the bias. Input [1, C, H, W], weights [O, C, 3, 3].
     */
    public static INDArray forwardIm2col(INDArray input, INDArray weight, INDArray bias) {
        long c = input.size(1), h = input.size(2), w = input.size(3), o = weight.size(0);
        INDArray cols = Nd4j.createUninitialized(input.dataType(), 1, c, 3, 3, h, w);
        Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(input).addOutputs(cols)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0)
                .addFloatingPointArguments(0.0) // value of the padding
                .build());
        INDArray out = Kernels.matmul(weight.reshape('c', o, c * 9), cols.reshape('c', c * 9, h * w), false, false);
        out.addiColumnVector(bias.reshape(o, 1));
        return out.reshape('c', 1, o, h, w);
    }

    /** The same convolution on NHWC input [1, H, W, C] with weights [3, 3, C, O] (libnd4j's own layout); output NHWC. */
    public static INDArray forwardNhwc(INDArray inputNhwc, INDArray weightHwio, INDArray bias) {
        long h = inputNhwc.size(1), w = inputNhwc.size(2), o = weightHwio.size(3);
        INDArray out = Nd4j.createUninitialized(inputNhwc.dataType(), 1, h, w, o);
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputNhwc, weightHwio, bias).addOutputs(out)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 1, W_HWIO).build());
        return out;
    }

    /** The input gradient as the library computes it ({@link Kernels#conv2dInputGradient}): oneDNN's backward-data kernel, cached. */
    public static INDArray inputGradient(INDArray gradOut, INDArray weight, long[] inputShape) {
        return Kernels.conv2dInputGradient(gradOut, weight, inputShape, Conv2dSpec.SAME_3X3);
    }

    /** The input gradient by libnd4j's transposed convolution ({@code deconv2d}) with the same weights. */
    public static INDArray inputGradientDeconv2d(INDArray gradOut, INDArray weight, long[] inputShape) {
        return Kernels.conv2dInputGradientLibnd4j(gradOut, weight, inputShape, Conv2dSpec.SAME_3X3);
    }

    /**
     * libnd4j's full backward {@code conv2d_bp}: {input gradient, weight gradient} (no bias). The alternative to
     * {@link #inputGradient} when the weights are frozen and their gradient is thrown away.
     */
    public static INDArray[] conv2dBp(INDArray input, INDArray weight, INDArray gradOut) {
        INDArray gradIn = Nd4j.createUninitialized(input.dataType(), input.shape());
        INDArray gradW = Nd4j.createUninitialized(weight.dataType(), weight.shape());
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, weight, gradOut).addOutputs(gradIn, gradW)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 0, W_OIHW).build());
        return new INDArray[] {gradIn, gradW};
    }

    /** NCHW [1, C, H, W] to a C-order NHWC copy [1, H, W, C]. */
    public static INDArray toNhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /** NHWC [1, H, W, C] to a C-order NCHW copy [1, C, H, W]. */
    public static INDArray toNchw(INDArray nhwc) {
        return nhwc.permute(0, 3, 1, 2).dup('c');
    }

    /** OIHW weights [O, C, kH, kW] to a C-order HWIO copy [kH, kW, C, O]. */
    public static INDArray toHwio(INDArray oihw) {
        return oihw.permute(2, 3, 1, 0).dup('c');
    }
}
