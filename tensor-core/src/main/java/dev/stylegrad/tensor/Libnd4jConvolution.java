package dev.stylegrad.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Convolutions through libnd4j's custom ops ({@code conv2d}, {@code deconv2d}, {@code conv2d_bp}): what {@link
 * Kernels} runs for float64, on other backends (cuDNN on CUDA builds) or with oneDNN switched off, and the checks
 * and output shapes every convolution path shares.
 */
final class Libnd4jConvolution {
    private Libnd4jConvolution() {}

    // libnd4j integer-argument conventions shared by conv and pool ops.
    static final int PADDING_EXPLICIT = 0; // paddingMode 0: explicit padding (1 would be SAME)
    static final int LAYOUT_NCHW = 0;      // isNHWC flag: 0 means NCHW
    static final int WEIGHTS_OIHW = 1;     // conv2d wFormat 1: [oC, iC, kH, kW]; deconv2d wFormat 1: [iC, oC, kH, kW]

    /** {@code conv2d(input, weight) + bias} by libnd4j's conv2d op; bias may be null. */
    static INDArray conv2d(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec) {
        weight = dilateKernel(weight, spec);
        spec = undilated(spec);
        long[] outShape = outShape(input, weight, spec);
        INDArray out = MemoryScope.allocate(input.dataType(), outShape);
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d")
                .addInputs(bias == null ? new INDArray[] {input, weight} : new INDArray[] {input, weight, bias})
                .addOutputs(out)
                .addIntegerArguments(convArgs(weight, spec, WEIGHTS_OIHW));
        Nd4j.exec(op.build());
        return out;
    }

    /** The input gradient by libnd4j's deconv2d, or its conv2d_bp where the stride leaves rows deconv2d cannot reach. */
    static INDArray inputGradient(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec) {
        weight = dilateKernel(weight, spec);
        spec = undilated(spec);
        long kH = weight.size(2), kW = weight.size(3);
        long reachH = (long) spec.strideH() * (gradOut.size(2) - 1) + (long) spec.dilationH() * (kH - 1) + 1 - 2L * spec.padH();
        long reachW = (long) spec.strideW() * (gradOut.size(3) - 1) + (long) spec.dilationW() * (kW - 1) + 1 - 2L * spec.padW();
        if (reachH != inputShape[2] || reachW != inputShape[3]) {
            INDArray input = Nd4j.zeros(gradOut.dataType(), inputShape);
            return backward(input, weight, gradOut, spec)[0];
        }
        INDArray out = MemoryScope.allocate(gradOut.dataType(), inputShape);
        Nd4j.exec(DynamicCustomOp.builder("deconv2d")
                .addInputs(gradOut, weight)
                .addOutputs(out)
                .addIntegerArguments(convArgs(weight, spec, WEIGHTS_OIHW))
                .build());
        return out;
    }

    /** The weight gradient by libnd4j's conv2d_bp. */
    static INDArray weightGradient(INDArray input, INDArray weight, INDArray gradOut, Conv2dSpec spec) {
        INDArray gradW = backward(input, dilateKernel(weight, spec), gradOut, undilated(spec))[1];
        if (spec.dilationH() == 1 && spec.dilationW() == 1) return gradW;
        // The expanded kernel's gradient at the original taps is the gradient of the original weights.
        return gradW.get(NDArrayIndex.all(), NDArrayIndex.all(), taps(weight.size(2), spec.dilationH()),
                taps(weight.size(3), spec.dilationW())).dup('c');
    }

    /*
     * Dilation. libnd4j 1.0.0-M2.1's oneDNN helpers for conv2d, conv2d_bp and deconv2d give oneDNN a right padding of
     * (oH - 1)·sH − iH + kH − pH, i.e. computed with the undilated kernel size, so oneDNN rejects every dilated
     * convolution ("could not create a descriptor for a dilated convolution ..."). A dilated convolution is exactly an
     * undilated one whose kernel has d − 1 zeros between its taps, so the kernels below expand dilated weights and
     * libnd4j only ever sees dilation 1. VGG has no dilation and pays nothing.
     */

    /** The weights with {@code dilation − 1} zeros between taps: [O, C, (kH−1)·dH+1, (kW−1)·dW+1]; the same array if undilated. */
    private static INDArray dilateKernel(INDArray weight, Conv2dSpec spec) {
        int dH = spec.dilationH(), dW = spec.dilationW();
        if (dH == 1 && dW == 1) return weight;
        long kH = weight.size(2), kW = weight.size(3);
        INDArray expanded = Nd4j.zeros(weight.dataType(), weight.size(0), weight.size(1), (kH - 1) * dH + 1, (kW - 1) * dW + 1);
        expanded.get(NDArrayIndex.all(), NDArrayIndex.all(), taps(kH, dH), taps(kW, dW)).assign(weight);
        return expanded;
    }

    /** Positions 0, d, 2d, … of the k taps inside an expanded kernel. */
    private static INDArrayIndex taps(long k, int d) {
        return NDArrayIndex.interval(0, d, (k - 1) * d + 1);
    }

    private static Conv2dSpec undilated(Conv2dSpec spec) {
        return new Conv2dSpec(spec.strideH(), spec.strideW(), spec.padH(), spec.padW(), 1, 1);
    }

    /** libnd4j's combined backward: {input gradient, weight gradient}. Callers pass undilated specs (see above). */
    private static INDArray[] backward(INDArray input, INDArray weight, INDArray gradOut, Conv2dSpec spec) {
        check("conv2d backward", input, weight, null);
        long[] outShape = outShape(input, weight, spec);
        if (!java.util.Arrays.equals(outShape, gradOut.shape())) {
            throw new IllegalArgumentException("conv2d backward: gradOut must have shape " + Shapes.format(outShape)
                    + ", but has " + Shapes.format(gradOut.shape()));
        }
        INDArray gradIn = MemoryScope.allocate(input.dataType(), input.shape());
        INDArray gradW = MemoryScope.allocate(weight.dataType(), weight.shape());
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                .addInputs(input, weight, gradOut)
                .addOutputs(gradIn, gradW)
                .addIntegerArguments(convArgs(weight, spec, WEIGHTS_OIHW))
                .build());
        return new INDArray[] {gradIn, gradW};
    }

    private static int[] convArgs(INDArray weight, Conv2dSpec spec, int weightsFormat) {
        return new int[] {(int) weight.size(2), (int) weight.size(3), spec.strideH(), spec.strideW(), spec.padH(), spec.padW(),
                spec.dilationH(), spec.dilationW(), PADDING_EXPLICIT, LAYOUT_NCHW, weightsFormat};
    }

    static long[] outShape(INDArray input, INDArray weight, Conv2dSpec spec) {
        long oH = spec.outH(input.size(2), weight.size(2));
        long oW = spec.outW(input.size(3), weight.size(3));
        if (oH < 1 || oW < 1) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.format(input.shape()) + " is too small for kernel "
                    + weight.size(2) + "x" + weight.size(3) + " with " + spec);
        }
        return new long[] {input.size(0), weight.size(0), oH, oW};
    }

    static void check(String op, INDArray input, INDArray weight, INDArray bias) {
        Shapes.requireRank(op, "input (NCHW)", input, 4);
        Shapes.requireRank(op, "weight (OIHW)", weight, 4);
        Shapes.requireSameDType(op, "input", input, "weight", weight);
        if (input.size(1) != weight.size(1)) {
            throw new IllegalArgumentException(op + ": input has " + input.size(1) + " channels " + Shapes.format(input.shape())
                    + " but weight expects " + weight.size(1) + " " + Shapes.format(weight.shape()));
        }
        if (bias != null) {
            Shapes.requireSameDType(op, "input", input, "bias", bias);
            if (bias.length() != weight.size(0) || bias.rank() != 1) {
                throw new IllegalArgumentException(op + ": bias must have shape [" + weight.size(0) + "], but has "
                        + Shapes.format(bias.shape()));
            }
        }
    }
}
