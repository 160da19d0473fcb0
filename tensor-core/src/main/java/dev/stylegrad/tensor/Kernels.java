package dev.stylegrad.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The numeric kernels the autodiff ops call, each a checked wrapper around one native kernel: for float32 on the CPU
 * backend, convolutions and matrix products call oneDNN directly with cached primitives ({@link OneDnnConvolution},
 * {@link OneDnnMatmul}); everything else, float64 and other backends go through libnd4j's custom ops (oneDNN-backed
 * on CPU builds that have it, cuDNN on CUDA builds).
 *
 * <p>Conventions: images are NCHW, convolution weights OIHW (PyTorch's layout). Every kernel allocates its output
 * itself, in the caller's current memory scope, and never modifies its inputs. Convolution gradients are separate
 * calls, so a frozen network pays only for the input gradient.
 */
public final class Kernels {
    private Kernels() {}

    // ---------------------------------------------------------------------------------------------- convolution

    /** {@code out = conv2d(input, weight) + bias}; bias may be null. Shapes [N,C,H,W] * [O,C,kH,kW] -> [N,O,oH,oW]. */
    public static INDArray conv2d(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec) {
        return conv2d(input, weight, bias, spec, Precision.FP32);
    }

    /**
     * {@link #conv2d(INDArray, INDArray, INDArray, Conv2dSpec)} with the products in {@code precision} (see
     * {@link Precision}: BF16 needs float32 arrays and a CPU with bfloat16 instructions).
     *
     * @throws UnsupportedOperationException if BF16 cannot run here, or oneDNN has no bfloat16 kernel for this shape
     */
    public static INDArray conv2d(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec, Precision precision) {
        INDArray out = oneDnnForward(input, weight, bias, spec, false, precision);
        return out != null ? out : conv2dLibnd4j(input, weight, bias, spec);
    }

    /**
     * {@code relu(conv2d(input, weight) + bias)}: the ReLU fused into the convolution where oneDNN runs it, else
     * applied in place on the convolution's output. Same values as {@code reluInPlace(conv2d(...))}.
     */
    public static INDArray conv2dRelu(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec) {
        return conv2dRelu(input, weight, bias, spec, Precision.FP32);
    }

    /** {@link #conv2dRelu(INDArray, INDArray, INDArray, Conv2dSpec)} with the products in {@code precision}, as {@link #conv2d(INDArray, INDArray, INDArray, Conv2dSpec, Precision)}. */
    public static INDArray conv2dRelu(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec, Precision precision) {
        INDArray out = oneDnnForward(input, weight, bias, spec, true, precision);
        return out != null ? out : reluInPlace(conv2dLibnd4j(input, weight, bias, spec));
    }

    /**
     * The checked forward convolution (ReLU'd if asked) on oneDNN's path, or null where that path does not run it and
     * libnd4j's should; BF16 never returns null (it runs on oneDNN or throws).
     */
    private static INDArray oneDnnForward(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec, boolean relu, Precision precision) {
        Libnd4jConvolution.check("conv2d", input, weight, bias);
        long[] outShape = Libnd4jConvolution.outShape(input, weight, spec);
        if (precision == Precision.BF16) {
            return bf16Result(OneDnnConvolution.forward(checkBf16("conv2d", input, weight, bias), weight, bias, spec, relu, outShape, true),
                    "conv2d", input, weight);
        }
        return OneDnnConvolution.supports(input, weight, bias) ? OneDnnConvolution.forward(input, weight, bias, spec, relu, outShape) : null;
    }

    /**
     * Promises that {@code weight} never changes again (a frozen network's convolution weights), so convolutions
     * may keep copies of it in their kernels' layouts instead of reordering it on every call. Changing its values
     * afterwards is an error that goes unnoticed: convolutions would keep using the old ones.
     */
    public static void freezeConvolutionWeight(INDArray weight) {
        OneDnnConvolution.freeze(weight);
    }

    /**
     * True iff this 3×3 convolution (its forward pass, or with {@code inputGradient} its input gradient), run now in
     * float32, would take oneDNN's Winograd kernels: by {@link KernelConfig#convAlgorithm()}, and where oneDNN has them.
     * For tests and benchmarks, to say what ran; building the kernel (and, under {@code auto}, measuring it) happens here
     * if it had not yet.
     */
    public static boolean conv2dRunsWinograd(long[] inputShape, long[] weightShape, Conv2dSpec spec, boolean inputGradient) {
        if (OneDnnConvolution.unavailableReason() != null) return false;
        long[] out = {inputShape[0], weightShape[0], spec.outH(inputShape[2], weightShape[2]), spec.outW(inputShape[3], weightShape[3])};
        return OneDnnConvolution.runsWinograd(inputGradient, inputShape, weightShape, spec, out);
    }

    /**
     * An upper bound of the memory one {@link #conv2dRelu} call (or, with {@code inputGradient}, one
     * {@link #conv2dInputGradient} call) of a float32 convolution of these shapes takes from the current memory scope
     * besides its result: oneDNN's blocked copies of the operands and its scratchpad, whose sizes depend on the CPU's
     * instruction set (oneDNN pads channels to blocks of 8 on AVX2, 16 on AVX-512). 0 where oneDNN does not run it.
     * For memory bounds that hold on every CPU.
     */
    public static long conv2dScratchBytes(long[] inputShape, long[] weightShape, Conv2dSpec spec, boolean inputGradient) {
        if (OneDnn.UNAVAILABLE != null) return 0;
        long[] outShape = {inputShape[0], weightShape[0], spec.outH(inputShape[2], weightShape[2]), spec.outW(inputShape[3], weightShape[3])};
        return OneDnnConvolution.scratchBytes(inputGradient, inputShape, weightShape, spec, outShape);
    }

    /**
     * The input, once BF16 is known to run here on these arrays: float32, dense c-order (bias too).
     *
     * @throws UnsupportedOperationException if this process cannot run bfloat16 kernels
     * @throws IllegalArgumentException if an array is not float32 or not dense
     */
    private static INDArray checkBf16(String op, INDArray input, INDArray weight, INDArray bias) {
        Precision.BF16.requireAvailable();
        if (!OneDnn.supportsFloat32(input, weight, bias)) {
            throw new IllegalArgumentException(op + " in bf16 precision: needs dense float32 arrays, got " + input.dataType() + " "
                    + Shapes.format(input.shape()) + " and " + weight.dataType() + " " + Shapes.format(weight.shape())
                    + " (convert them, or use fp32)");
        }
        return input;
    }

    /** A bfloat16 kernel's result, or the error saying oneDNN had none for these shapes (never a float32 fallback). */
    private static INDArray bf16Result(INDArray result, String op, INDArray a, INDArray b) {
        if (result != null) return result;
        throw new UnsupportedOperationException(op + " in bf16 precision: oneDNN has no bfloat16 kernel for "
                + Shapes.format(a.shape()) + " and " + Shapes.format(b.shape()) + " on this CPU (use fp32)");
    }

    /**
     * {@link #conv2d} through libnd4j's conv2d op, which {@link #conv2d} takes for float64, on other backends, or
     * with oneDNN turned off; public for benchmarks and A/B checks.
     */
    public static INDArray conv2dLibnd4j(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec) {
        return Libnd4jConvolution.conv2d(input, weight, bias, spec);
    }

    /**
     * Gradient of {@link #conv2d} with respect to its input, given the gradient of its output. Computed as a
     * transposed convolution with the same weights, which costs one convolution and does not touch weight gradients;
     * falls back to libnd4j's full {@code conv2d_bp} only when the stride leaves input rows the transposed
     * convolution cannot reach.
     */
    public static INDArray conv2dInputGradient(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec) {
        return conv2dInputGradient(gradOut, weight, inputShape, spec, Precision.FP32);
    }

    /**
     * {@link #conv2dInputGradient(INDArray, INDArray, long[], Conv2dSpec)} with the products in {@code precision}, as
     * {@link #conv2d(INDArray, INDArray, INDArray, Conv2dSpec, Precision)}: in BF16 the output gradient and the
     * weights are read as bfloat16, the result is float32.
     */
    public static INDArray conv2dInputGradient(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec, Precision precision) {
        Shapes.requireRank("conv2d input gradient", "gradOut", gradOut, 4);
        Shapes.requireSameDType("conv2d input gradient", "gradOut", gradOut, "weight", weight);
        if (gradOut.size(1) != weight.size(0) || inputShape.length != 4 || inputShape[1] != weight.size(1)) {
            throw new IllegalArgumentException("conv2d input gradient: gradOut " + Shapes.format(gradOut.shape()) + " and input "
                    + Shapes.format(inputShape) + " do not match weight " + Shapes.format(weight.shape()));
        }
        if (precision == Precision.BF16) {
            return bf16Result(OneDnnConvolution.inputGradient(checkBf16("conv2d input gradient", gradOut, weight, null), weight,
                    inputShape, spec, true), "conv2d input gradient", gradOut, weight);
        }
        if (OneDnnConvolution.supports(gradOut, weight, null)) {
            INDArray gradIn = OneDnnConvolution.inputGradient(gradOut, weight, inputShape, spec);
            if (gradIn != null) return gradIn;
        }
        return conv2dInputGradientLibnd4j(gradOut, weight, inputShape, spec);
    }

    /** {@link #conv2dInputGradient} through libnd4j's deconv2d (or conv2d_bp) op; public as {@link #conv2dLibnd4j}. */
    public static INDArray conv2dInputGradientLibnd4j(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec) {
        return Libnd4jConvolution.inputGradient(gradOut, weight, inputShape, spec);
    }

    /** Gradient of {@link #conv2d} with respect to its weights, given its input and the gradient of its output. */
    public static INDArray conv2dWeightGradient(INDArray input, INDArray weight, INDArray gradOut, Conv2dSpec spec) {
        if (OneDnnConvolution.supports(input, weight, null) && OneDnn.supportsFloat32(gradOut)) {
            // oneDNN's backward-weights kernel, cached like the others: libnd4j's conv2d_bp would compute the input
            // gradient as well and set up its primitives on every call.
            INDArray gradW = OneDnnConvolution.weightGradient(input, gradOut, weight.shape(), spec);
            if (gradW != null) return gradW;
        }
        return conv2dWeightGradientLibnd4j(input, weight, gradOut, spec);
    }

    /** {@link #conv2dWeightGradient} through libnd4j's {@code conv2d_bp}; public as {@link #conv2dLibnd4j}. */
    public static INDArray conv2dWeightGradientLibnd4j(INDArray input, INDArray weight, INDArray gradOut, Conv2dSpec spec) {
        return Libnd4jConvolution.weightGradient(input, weight, gradOut, spec);
    }

    /** Gradient of {@link #conv2d} with respect to its bias: the output gradient summed over batch and space. */
    public static INDArray conv2dBiasGradient(INDArray gradOut) {
        Shapes.requireRank("conv2d bias gradient", "gradOut", gradOut, 4);
        return gradOut.sum(0, 2, 3);
    }

    /**
     * Reflection padding of NCHW {@code x} by host row copies into a new array, or null where the host kernels do not
     * apply (another backend, a view that is not dense): callers then pad by other means.
     */
    public static INDArray reflectionPad2dOrNull(INDArray x, int left, int right, int top, int bottom) {
        if (x.rank() != 4 || !HostKernels.supports(x)) return null;
        INDArray out = MemoryScope.allocate(x.dataType(), x.size(0), x.size(1), x.size(2) + top + bottom, x.size(3) + left + right);
        HostKernels.reflectionPad(x, out, left, right, top, bottom);
        return out;
    }

    // ------------------------------------------------------------------------------------------- instance norm

    /** An instance norm's output and each (n, c) map's mean and 1/√(var + eps), for its backward. */
    public record InstanceNormResult(INDArray out, double[] mean, double[] rstd) {}

    /**
     * Instance norm of NCHW {@code x} with optional per-channel {@code weight} and {@code bias} (both or neither),
     * optionally followed by ReLU, in two host passes (statistics in float64) into a new array; null where the host
     * kernels do not apply (another backend, a view that is not dense), and callers then use whole-array ops.
     */
    public static InstanceNormResult instanceNormOrNull(INDArray x, INDArray weight, INDArray bias, double eps, boolean relu) {
        if (x.rank() != 4 || !HostKernels.supports(x)) return null;
        int maps = Math.toIntExact(x.size(0) * x.size(1));
        double[] mean = new double[maps], rstd = new double[maps];
        INDArray out = MemoryScope.allocate(x.dataType(), x.shape());
        InstanceNormKernel.forward(x, out, weight == null ? null : weight.toDoubleVector(), bias == null ? null : bias.toDoubleVector(), eps, mean, rstd, relu);
        return new InstanceNormResult(out, mean, rstd);
    }

    /**
     * Instance norm's backward from {@link #instanceNormOrNull}'s statistics: writes the input gradient into
     * {@code gradIn} (null skips it) and returns each map's {Σ g·x̂, Σ g} as two arrays [N·C], or null where the host
     * kernels do not apply to these arrays.
     */
    public static double[][] instanceNormBackwardOrNull(INDArray x, INDArray g, INDArray gradIn, INDArray weight, double[] mean, double[] rstd) {
        if (x.rank() != 4 || !(gradIn == null ? HostKernels.supports(x, g) : HostKernels.supports(x, g, gradIn))) return null;
        double[] sumGxHat = new double[mean.length], sumG = new double[mean.length];
        InstanceNormKernel.backward(x, g, gradIn, weight == null ? null : weight.toDoubleVector(), mean, rstd, sumGxHat, sumG);
        return new double[][] {sumGxHat, sumG};
    }

    // ---------------------------------------------------------------------------------------------- activation

    /** {@code max(x, 0)} into a new array. */
    public static INDArray relu(INDArray x) {
        DType.of("relu", "x", x);
        return reluInto(x, MemoryScope.allocate(x.dataType(), x.shape()));
    }

    /** {@code x = max(x, 0)} in place; returns x. */
    public static INDArray reluInPlace(INDArray x) {
        DType.of("relu", "x", x);
        return reluInto(x, x);
    }

    private static INDArray reluInto(INDArray x, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(out).addFloatingPointArguments(0.0).build());
        return out;
    }

    /**
     * Gradient of {@link #relu}: {@code gradOut} where {@code x > 0}, else 0. Passing relu's output as {@code x} gives
     * the same mask.
     */
    public static INDArray reluBackward(INDArray x, INDArray gradOut) {
        return reluBackwardInto(x, gradOut, MemoryScope.allocate(x.dataType(), x.shape()));
    }

    /** {@link #reluBackward} written over {@code gradOut} itself (no new array); returns gradOut. */
    public static INDArray reluBackwardInPlace(INDArray x, INDArray gradOut) {
        return reluBackwardInto(x, gradOut, gradOut);
    }

    private static INDArray reluBackwardInto(INDArray x, INDArray gradOut, INDArray gradIn) {
        Shapes.requireSameShape("relu backward", "x", x, "gradOut", gradOut);
        Shapes.requireSameDType("relu backward", "x", x, "gradOut", gradOut);
        // libnd4j's relu_bp calls a std::function per element: 3-4x slower than the host loop where that can run.
        if (HostKernels.supports(x, gradOut, gradIn)) {
            HostKernels.reluBackward(x, gradOut, gradIn);
            return gradIn;
        }
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(x, gradOut).addOutputs(gradIn)
                .addFloatingPointArguments(0.0).build());
        return gradIn;
    }

    // ------------------------------------------------------------------------------------------------- pooling

    /** Max pooling over NCHW input. */
    public static INDArray maxPool2d(INDArray input, Pool2dSpec spec) {
        return Pooling2d.pool("maxpool2d", input, spec);
    }

    /** Gradient of {@link #maxPool2d}: routes each output gradient to the position of its window's maximum. */
    public static INDArray maxPool2dBackward(INDArray input, INDArray gradOut, Pool2dSpec spec) {
        return Pooling2d.backward("maxpool2d_bp", input, gradOut, spec);
    }

    /** Average pooling over NCHW input. */
    public static INDArray avgPool2d(INDArray input, Pool2dSpec spec) {
        return Pooling2d.pool("avgpool2d", input, spec);
    }

    /** Gradient of {@link #avgPool2d}: spreads each output gradient evenly over its window. */
    public static INDArray avgPool2dBackward(INDArray input, INDArray gradOut, Pool2dSpec spec) {
        return Pooling2d.backward("avgpool2d_bp", input, gradOut, spec);
    }

    // ---------------------------------------------------------------------------------------- matrix products

    /**
     * Matrix product of rank-2 arrays ([m,k]·[k,n]) or batched rank-3 arrays ([b,m,k]·[b,k,n]), optionally with
     * either operand transposed (its last two axes swapped) without copying it.
     */
    public static INDArray matmul(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        String op = "matmul";
        Shapes.requireSameDType(op, "a", a, "b", b);
        Shapes.require(a.rank() == b.rank() && (a.rank() == 2 || a.rank() == 3), op,
                "operands must both be rank 2 or both rank 3, but have shapes " + Shapes.format(a.shape()) + " and "
                        + Shapes.format(b.shape()));
        int r = a.rank();
        long m = transposeA ? a.size(r - 1) : a.size(r - 2);
        long ka = transposeA ? a.size(r - 2) : a.size(r - 1);
        long kb = transposeB ? b.size(r - 1) : b.size(r - 2);
        long n = transposeB ? b.size(r - 2) : b.size(r - 1);
        Shapes.require(ka == kb, op, "inner dimensions differ: " + Shapes.format(a.shape()) + (transposeA ? "ᵀ" : "")
                + " · " + Shapes.format(b.shape()) + (transposeB ? "ᵀ" : ""));
        long[] outShape;
        if (r == 2) {
            outShape = new long[] {m, n};
        } else {
            Shapes.require(a.size(0) == b.size(0), op, "batch sizes differ: " + Shapes.format(a.shape()) + " and "
                    + Shapes.format(b.shape()));
            outShape = new long[] {a.size(0), m, n};
        }
        if (OneDnnMatmul.supports(a, b)) {
            INDArray out = OneDnnMatmul.multiply(a, transposeA, b, transposeB, outShape);
            if (out != null) return out;
        }
        return matmulLibnd4j(a, b, transposeA, transposeB, outShape);
    }

    /** {@link #matmul} through libnd4j's matmul op (BLAS); public for benchmarks and A/B checks. */
    public static INDArray matmulLibnd4j(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        int r = a.rank();
        long m = transposeA ? a.size(r - 1) : a.size(r - 2);
        long n = transposeB ? b.size(r - 2) : b.size(r - 1);
        return matmulLibnd4j(a, b, transposeA, transposeB, r == 2 ? new long[] {m, n} : new long[] {a.size(0), m, n});
    }

    private static INDArray matmulLibnd4j(INDArray a, INDArray b, boolean transposeA, boolean transposeB, long[] outShape) {
        INDArray out = MemoryScope.allocate(a.dataType(), outShape);
        Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(out)
                .addIntegerArguments(transposeA ? 1 : 0, transposeB ? 1 : 0, 0).build());
        return out;
    }

    /**
     * {@code out[n] = mix[n] · F[n]} for feature maps {@code features} [N, C, H, W] and matrices {@code mix} [N, O, C]:
     * every pixel's channel vector multiplied by the same matrix, giving [N, O, H, W]. This is a Gram matrix's
     * backward (mix = dG + dGᵀ). It is a 1×1 convolution, and on CPU float32 runs as one (oneDNN's 1×1 kernel): on the
     * Gram shapes of a style step it measured 2.0–2.7× faster than oneDNN's matmul (benchmarks/RESULTS.md), whose
     * general GEMM is memory-bound with only C = 64–512 for the inner dimension.
     */
    public static INDArray mixChannels(INDArray mix, INDArray features) {
        return mixChannels(mix, features, Precision.FP32);
    }

    /** {@link #mixChannels(INDArray, INDArray)} with the products in {@code precision}, as {@link #conv2d(INDArray, INDArray, INDArray, Conv2dSpec, Precision)}. */
    public static INDArray mixChannels(INDArray mix, INDArray features, Precision precision) {
        Shapes.requireRank("mix channels", "features [N, C, H, W]", features, 4);
        Shapes.requireRank("mix channels", "mix [N, O, C]", mix, 3);
        Shapes.requireSameDType("mix channels", "mix", mix, "features", features);
        long n = features.size(0), c = features.size(1), h = features.size(2), w = features.size(3), o = mix.size(1);
        Shapes.require(mix.size(0) == n && mix.size(2) == c, "mix channels", "mix " + Shapes.format(mix.shape())
                + " does not fit features " + Shapes.format(features.shape()) + ": expected [" + n + ", O, " + c + "]");
        boolean bf16 = precision == Precision.BF16;
        if (bf16) checkBf16("mix channels", features, mix, null);
        if (n == 1 && OneDnnConvolution.supports(features, mix, null)) {
            INDArray kernel = mix.reshape('c', o, c, 1, 1);
            INDArray out = h * w <= MIX_CHUNK_POSITIONS
                    ? OneDnnConvolution.forward(features, kernel, null, Conv2dSpec.of(1, 0, 1), false, new long[] {1, o, h, w}, bf16)
                    : mixChannelsInChunks(kernel, features, MIX_CHUNK_POSITIONS, bf16);
            if (out != null) return out;
        }
        INDArray out = bf16
                ? bf16Result(OneDnnMatmul.multiply(mix, false, features.reshape('c', n, c, h * w), false, new long[] {n, o, h * w}, true),
                        "mix channels", mix, features)
                : matmul(mix, features.reshape('c', n, c, h * w), false, false);
        return out.reshape('c', n, o, h, w);
    }

    /**
     * The most positions one oneDNN 1×1 convolution is given. oneDNN 2.5.2's AVX-512 1×1 kernel dies with SIGFPE
     * while planning some large shapes (found on an AMD EPYC Zen 5: [1, 64, 1024, 1024] and [1, 64, 2048, 512], not
     * [1, 64, 1023, 1024]; never with AVX2 kernels): a division by zero in its blocking estimate
     * ({@code brg_blocking_t::est_eff_1x1}), which no Java code can catch. Chunks of at most 2^18 positions, laid
     * out as one row, stay on shapes every 512² style step already runs.
     */
    static final int MIX_CHUNK_POSITIONS = 1 << 18;

    /**
     * {@link #mixChannels} through oneDNN in chunks of at most {@code chunk} positions (each copied into a row
     * [1, C, 1, len]); null if oneDNN has no kernel for a chunk.
     */
    static INDArray mixChannelsInChunks(INDArray kernel, INDArray features, int chunk) {
        return mixChannelsInChunks(kernel, features, chunk, false);
    }

    static INDArray mixChannelsInChunks(INDArray kernel, INDArray features, int chunk, boolean bf16) {
        long c = features.size(1), h = features.size(2), w = features.size(3), o = kernel.size(0), positions = h * w;
        INDArray flat = features.reshape('c', 1, c, positions);
        INDArray out = MemoryScope.allocate(features.dataType(), 1, o, h, w);
        INDArray outFlat = out.reshape('c', 1, o, positions);
        for (long start = 0; start < positions; start += chunk) {
            long len = Math.min(chunk, positions - start);
            INDArrayIndex[] part = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(start, start + len)};
            INDArray row = MemoryScope.allocate(features.dataType(), 1, c, 1, len);
            row.reshape('c', 1, c, len).assign(flat.get(part));
            INDArray mixed = OneDnnConvolution.forward(row, kernel, null, Conv2dSpec.of(1, 0, 1), false, new long[] {1, o, 1, len}, bf16);
            MemoryScope.release(row);
            if (mixed == null) {
                MemoryScope.release(out);
                return null;
            }
            outFlat.get(part).assign(mixed.reshape('c', 1, o, len));
            MemoryScope.release(mixed);
        }
        return out;
    }

    /** Channels from which syrk beat the general product (measured), where a Gram matrix may take it. */
    static final int SYRK_MIN_CHANNELS = 256;

    /**
     * Gram matrices {@code G = F·Fᵀ} (not normalized) of feature maps F shaped [N, C, M] (M = H·W), giving [N, C, C],
     * by the product {@code -Dstylegrad.gram} chooses ({@link KernelConfig.Gram}). By default: float32 on the CPU
     * backend takes oneDNN's matmul ({@link OneDnnMatmul}), measured fastest at every VGG Gram shape inside a style
     * step (benchmarks/RESULTS.md), and on the same OpenMP threads as the convolutions; where oneDNN does not run it,
     * BLAS {@code syrk} (upper triangle, mirrored) for C ≥ 256, where it beat the general product; otherwise a general
     * batched product.
     */
    public static INDArray gram(INDArray features) {
        return gram(features, Precision.FP32);
    }

    /**
     * {@link #gram(INDArray)} with the products in {@code precision}: in BF16 the features are rounded to bfloat16 once
     * and oneDNN's matmul sums their products in float32, as {@link #conv2d(INDArray, INDArray, INDArray, Conv2dSpec, Precision)}.
     */
    public static INDArray gram(INDArray features, Precision precision) {
        if (precision == Precision.BF16) {
            Shapes.requireRank("gram", "features [N, C, H*W]", features, 3);
            DType.of("gram", "features", features);
            checkBf16("gram", features, features, null);
            long[] outShape = {features.size(0), features.size(1), features.size(1)};
            return bf16Result(OneDnnMatmul.multiply(features, false, features, true, outShape, true), "gram", features, features);
        }
        return gram(features, KernelConfig.gram());
    }

    /** {@link #gram(INDArray)} by the product {@code choice} names, whatever the switch says (tests run each). */
    static INDArray gram(INDArray features, KernelConfig.Gram choice) {
        Shapes.requireRank("gram", "features [N, C, H*W]", features, 3);
        DType dtype = DType.of("gram", "features", features);
        if (choice == KernelConfig.Gram.GEMM) return matmulLibnd4j(features, features, false, true);
        if (!gramBySyrk(features, choice)) return matmul(features, features, false, true);
        INDArray f = features.ordering() == 'c' && !features.isView() && features.offset() == 0 ? features : features.dup('c');
        long n = f.size(0), c = f.size(1), m = f.size(2);
        INDArray out = MemoryScope.allocate(f.dataType(), n, c, c);
        for (long i = 0; i < n; i++) SymmetricRankK.gram(f, i * c * m, out, i * c * c, (int) c, (int) m, dtype);
        return out;
    }

    /**
     * Whether {@code choice} computes this Gram matrix by syrk, else by a matrix product. Its own method because
     * syrk's and gemm's results may agree bit for bit, so only the choice itself shows which one ran.
     */
    static boolean gramBySyrk(INDArray features, KernelConfig.Gram choice) {
        boolean product = switch (choice) {
            case GEMM, ONEDNN -> true;
            case AUTO -> OneDnnMatmul.supports(features, features);
            case SYRK -> false;
        };
        return !product && SymmetricRankK.available() && features.size(1) >= SYRK_MIN_CHANNELS;
    }
}
