package dev.stylegrad.bench;

import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * VGG19's 16 convolutions (3×3, stride 1, pad 1, batch 1) at a {@code side}² input: forward by oneDNN through our
 * cached primitive with frozen weights (the library's way), by libnd4j's conv2d (oneDNN underneath, set up on every
 * call), by im2col + GEMM, and by libnd4j on NHWC; input gradient by our cached oneDNN backward-data primitive (the
 * library's way), by libnd4j's transposed convolution and by the full {@code conv2d_bp}; forward and input gradient
 * again with bfloat16 products ({@code --precision bf16}, only on CPUs with bf16 instructions). See {@link ConvKernels}. GFLOP/s = 2·O·C·9·H·W / time
 * ({@link VggShapes.Conv#flops}), the same for the input gradient. conv3_2..3_4, conv4_2..4_4 and conv5_2..5_4 repeat
 * a shape; conv5_2..5_4 are not part of a style step (it stops at relu5_1). (A Java Winograd F(2×2, 3×3) variant was
 * measured here until issue 14 and removed: RESULTS.md keeps its rows.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ConvBenchmark {
    @Param({"conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv3_4",
        "conv4_1", "conv4_2", "conv4_3", "conv4_4", "conv5_1", "conv5_2", "conv5_3", "conv5_4"})
    public String layer;

    /** Side of the network's input image (the layer's own input is smaller by its block's pooling). */
    @Param({"256"})
    public int side;

    private INDArray input, weight, frozenWeight, bias, gradOut;   // NCHW / OIHW
    private INDArray inputNhwc, weightHwio;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.reportBackendOnce();
        VggShapes.Conv conv = VggShapes.conv(layer, side);
        Nd4j.getRandom().setSeed(42);
        int s = conv.side();
        // Post-ReLU-like input and a He-initialized (torchvision's fan-out) kernel keep values in a normal range.
        input = Nd4j.randn(DataType.FLOAT, 1, conv.inC(), s, s);
        if (conv.inC() > 3) Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(input, 0.0));
        weight = Nd4j.randn(DataType.FLOAT, conv.outC(), conv.inC(), 3, 3).muli(Math.sqrt(2.0 / (conv.outC() * 9)));
        // A second array with the same values, frozen as the library freezes VGG's weights (reordered once).
        frozenWeight = weight.dup();
        Kernels.freezeConvolutionWeight(frozenWeight);
        bias = Nd4j.zeros(DataType.FLOAT, conv.outC());
        gradOut = Nd4j.randn(DataType.FLOAT, 1, conv.outC(), s, s).muli(1e-3);
        inputNhwc = ConvKernels.toNhwc(input);
        weightHwio = ConvKernels.toHwio(weight);
    }

    @Benchmark
    public INDArray forwardCachedOneDnn() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.forward(input, frozenWeight, bias);
        }
    }

    /** The library's bf16 forward ({@code --precision bf16}), frozen weights; fails where the CPU has no bf16. */
    @Benchmark
    public INDArray forwardBf16() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.forwardBf16(input, frozenWeight, bias);
        }
    }

    @Benchmark
    public INDArray forwardLibnd4j() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.forwardLibnd4j(input, weight, bias);
        }
    }

    @Benchmark
    public INDArray forwardIm2colGemm() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.forwardIm2col(input, weight, bias);
        }
    }

    @Benchmark
    public INDArray forwardNhwc() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.forwardNhwc(inputNhwc, weightHwio, bias);
        }
    }

    @Benchmark
    public INDArray inputGradCachedOneDnn() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.inputGradient(gradOut, frozenWeight, input.shape());
        }
    }

    /** The library's bf16 input gradient ({@code --precision bf16}); fails where the CPU has no bf16. */
    @Benchmark
    public INDArray inputGradBf16() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.inputGradientBf16(gradOut, frozenWeight, input.shape());
        }
    }

    /** The weight gradient as the library computes it (training): oneDNN's backward-weights kernel, cached. */
    @Benchmark
    public INDArray weightGradCachedOneDnn() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return Kernels.conv2dWeightGradient(input, weight, gradOut, dev.stylegrad.tensor.Conv2dSpec.SAME_3X3);
        }
    }

    /** The weight gradient by libnd4j's {@code conv2d_bp} (what the library used before, input gradient included). */
    @Benchmark
    public INDArray weightGradLibnd4j() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return Kernels.conv2dWeightGradientLibnd4j(input, weight, gradOut, dev.stylegrad.tensor.Conv2dSpec.SAME_3X3);
        }
    }

    @Benchmark
    public INDArray inputGradDeconv2d() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.inputGradientDeconv2d(gradOut, weight, input.shape());
        }
    }

    @Benchmark
    public INDArray[] inputGradConv2dBp() {
        try (MemoryScope scope = MemoryScope.open("bench-conv")) {
            return ConvKernels.conv2dBp(input, weight, gradOut);
        }
    }
}
