package dev.stylegrad.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Max and average pooling and their gradients for {@link Kernels}: a host loop where it applies, else libnd4j's ops. */
final class Pooling2d {
    private Pooling2d() {}

    /*
     * VGG's 2x2/2 max pooling runs as a host loop on the CPU backend: libnd4j's oneDNN path uses oneDNN's reference
     * NCHW pooling and its backward recomputes the forward, ~10x slower (benchmarks/RESULTS.md). The host loop
     * propagates NaN as PyTorch does; libnd4j's skips it.
     */
    private static boolean hostMaxPool(String op, Pool2dSpec spec, INDArray... arrays) {
        return op.startsWith("maxpool2d") && spec.kernelH() == 2 && spec.kernelW() == 2 && spec.strideH() == 2
                && spec.strideW() == 2 && spec.padH() == 0 && spec.padW() == 0 && HostKernels.supports(arrays);
    }

    static INDArray pool(String op, INDArray input, Pool2dSpec spec) {
        long[] outShape = poolOutShape(op, input, spec);
        INDArray out = MemoryScope.allocate(input.dataType(), outShape);
        if (hostMaxPool(op, spec, input, out)) {
            HostKernels.maxPool2x2(input, out);
            return out;
        }
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(input).addOutputs(out).addIntegerArguments(poolArgs(spec)).build());
        return out;
    }

    static INDArray backward(String op, INDArray input, INDArray gradOut, Pool2dSpec spec) {
        long[] outShape = poolOutShape(op, input, spec);
        Shapes.requireSameDType(op, "input", input, "gradOut", gradOut);
        if (!java.util.Arrays.equals(outShape, gradOut.shape())) {
            throw new IllegalArgumentException(op + ": gradOut must have shape " + Shapes.format(outShape) + ", but has "
                    + Shapes.format(gradOut.shape()));
        }
        INDArray gradIn = MemoryScope.allocate(input.dataType(), input.shape());
        if (hostMaxPool(op, spec, input, gradOut, gradIn)) {
            HostKernels.maxPool2x2Backward(input, gradOut, gradIn);
            return gradIn;
        }
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(input, gradOut).addOutputs(gradIn)
                .addIntegerArguments(poolArgs(spec)).build());
        return gradIn;
    }

    private static int[] poolArgs(Pool2dSpec spec) {
        // extraParam0 for avg pooling: 0 divides by the valid (unpadded) count, 1 by the full kernel area.
        int divisorMode = spec.countIncludePad() ? 1 : 0;
        return new int[] {spec.kernelH(), spec.kernelW(), spec.strideH(), spec.strideW(), spec.padH(), spec.padW(),
                1, 1, Libnd4jConvolution.PADDING_EXPLICIT, divisorMode, Libnd4jConvolution.LAYOUT_NCHW};
    }

    private static long[] poolOutShape(String op, INDArray input, Pool2dSpec spec) {
        Shapes.requireRank(op, "input (NCHW)", input, 4);
        DType.of(op, "input", input);
        long oH = spec.outH(input.size(2)), oW = spec.outW(input.size(3));
        if (oH < 1 || oW < 1) {
            throw new IllegalArgumentException(op + ": input " + Shapes.format(input.shape()) + " is too small for " + spec);
        }
        return new long[] {input.size(0), input.size(1), oH, oW};
    }
}
