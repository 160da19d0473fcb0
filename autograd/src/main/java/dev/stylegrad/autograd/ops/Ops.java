package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.tensor.Pool2dSpec;
import dev.stylegrad.tensor.Shapes;

/**
 * Entry points for every differentiable op. Each runs one {@link dev.stylegrad.autograd.Function} (see its class for
 * the math) and records it on the tape when an input needs a gradient.
 */
public final class Ops {
    private Ops() {}

    /** {@code a + b}, broadcasting. */
    public static Tensor add(Tensor a, Tensor b) {
        return new Add().call(a, b);
    }

    /** {@code a - b}, broadcasting. */
    public static Tensor sub(Tensor a, Tensor b) {
        return new Sub().call(a, b);
    }

    /** {@code a * b} element-wise, broadcasting. */
    public static Tensor mul(Tensor a, Tensor b) {
        return new Mul().call(a, b);
    }

    /** {@code a / b} element-wise, broadcasting. */
    public static Tensor div(Tensor a, Tensor b) {
        return new Div().call(a, b);
    }

    public static Tensor neg(Tensor x) {
        return new Neg().call(x);
    }

    /** {@code x + c}. */
    public static Tensor add(Tensor x, double c) {
        return new AddScalar(c).call(x);
    }

    /** {@code x * c}. */
    public static Tensor mul(Tensor x, double c) {
        return new MulScalar(c).call(x);
    }

    /** {@code x^p} element-wise. */
    public static Tensor pow(Tensor x, double p) {
        return new Pow(p).call(x);
    }

    public static Tensor square(Tensor x) {
        return new Square().call(x);
    }

    public static Tensor exp(Tensor x) {
        return new Exp().call(x);
    }

    public static Tensor log(Tensor x) {
        return new Log().call(x);
    }

    /** Sum of all elements, a scalar. */
    public static Tensor sum(Tensor x) {
        return new Sum(null, false).call(x);
    }

    /** Sum over the given axes (negative counts from the end). */
    public static Tensor sum(Tensor x, boolean keepDims, int... axes) {
        return new Sum(axes, keepDims).call(x);
    }

    /** Mean of all elements, a scalar. */
    public static Tensor mean(Tensor x) {
        return new Mean(null, false).call(x);
    }

    /** Mean over the given axes (negative counts from the end). */
    public static Tensor mean(Tensor x, boolean keepDims, int... axes) {
        return new Mean(axes, keepDims).call(x);
    }

    /** Reshape in C order; one size may be -1. */
    public static Tensor reshape(Tensor x, long... shape) {
        return new Reshape(shape).call(x);
    }

    /** Reorders the axes: result axis i is input axis {@code order[i]}. */
    public static Tensor permute(Tensor x, int... order) {
        return new Permute(order).call(x);
    }

    /** Swaps two axes. */
    public static Tensor transpose(Tensor x, int axisA, int axisB) {
        int rank = x.value().rank();
        int a = Shapes.axis("transpose", axisA, rank), b = Shapes.axis("transpose", axisB, rank);
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(x, order);
    }

    /** The box {@code [begin[i], end[i])} on every axis i. */
    public static Tensor slice(Tensor x, long[] begin, long[] end) {
        return new Slice(begin, end).call(x);
    }

    /**
     * {@code Σ x[box] ⊙ c} (a scalar) for the box {@code [begin[i], end[i])} of x and c of the box's shape: {@code
     * sum(mul(slice(x, begin, end), c))} without the box-sized intermediates.
     */
    public static Tensor boxDot(Tensor x, Tensor c, long[] begin, long[] end) {
        return new BoxDot(begin, end).call(x, c);
    }

    /** Joins tensors along an axis (negative counts from the end). */
    public static Tensor concat(int axis, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: no inputs");
        return new Concat(Shapes.axis("concat", axis, xs[0].value().rank())).call(xs);
    }

    /** Matrix product, rank 2 or batched rank 3. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return new MatMul().call(a, b);
    }

    public static Tensor relu(Tensor x) {
        return new Relu().call(x);
    }

    /** 2-D convolution of NCHW input with OIHW weights; bias may be null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec) {
        return conv2d(input, weight, bias, spec, Precision.FP32);
    }

    /**
     * {@link #conv2d(Tensor, Tensor, Tensor, Conv2dSpec)} with the forward and input-gradient products in
     * {@code precision} (see {@link Precision}; weight and bias gradients stay float32).
     *
     * @throws UnsupportedOperationException if the precision cannot run here (see {@link Precision#requireAvailable})
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec, Precision precision) {
        return conv2d(input, weight, bias, spec, precision, precision);
    }

    /**
     * {@link #conv2d(Tensor, Tensor, Tensor, Conv2dSpec)} with the forward products in {@code forward} and the input
     * gradient's in {@code gradient}: e.g. an exact float32 forward pass (so losses are float32's) with a bfloat16
     * gradient.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec, Precision forward, Precision gradient) {
        Conv2d op = new Conv2d(spec, forward, gradient);
        return bias == null ? op.call(input, weight) : op.call(input, weight, bias);
    }

    /**
     * {@code relu(conv2d(input, weight, bias))} as one fused op: the same values and gradients with one array fewer
     * per call (no separate pre-activation). Bias may be null.
     */
    public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec) {
        return conv2dRelu(input, weight, bias, spec, Precision.FP32);
    }

    /** {@link #conv2dRelu(Tensor, Tensor, Tensor, Conv2dSpec)} with the products in {@code precision}, as {@link #conv2d(Tensor, Tensor, Tensor, Conv2dSpec, Precision)}. */
    public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec, Precision precision) {
        return conv2dRelu(input, weight, bias, spec, precision, precision);
    }

    /** {@link #conv2dRelu(Tensor, Tensor, Tensor, Conv2dSpec)} with forward and gradient precisions, as {@link #conv2d(Tensor, Tensor, Tensor, Conv2dSpec, Precision, Precision)}. */
    public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec, Precision forward, Precision gradient) {
        Conv2dRelu op = new Conv2dRelu(spec, forward, gradient);
        return bias == null ? op.call(input, weight) : op.call(input, weight, bias);
    }

    public static Tensor maxPool2d(Tensor x, Pool2dSpec spec) {
        return new MaxPool2d(spec).call(x);
    }

    public static Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        return new AvgPool2d(spec).call(x);
    }

    /**
     * Reflection padding of NCHW maps by {@code left, right, top, bottom} pixels (PyTorch's {@code ReflectionPad2d});
     * each pad must be smaller than the side it pads.
     */
    public static Tensor reflectionPad2d(Tensor x, int left, int right, int top, int bottom) {
        return new ReflectionPad2d(left, right, top, bottom).call(x);
    }

    /** Nearest-neighbour upsampling of NCHW maps by a whole {@code factor} (PyTorch's {@code interpolate(mode="nearest")}). */
    public static Tensor upsampleNearest2d(Tensor x, int factor) {
        return new UpsampleNearest2d(factor).call(x);
    }

    /** Instance normalization of NCHW maps without affine parameters (PyTorch's {@code InstanceNorm2d(C)}, eps 1e-5). */
    public static Tensor instanceNorm2d(Tensor x) {
        return new InstanceNorm2d(1e-5).call(x);
    }

    /** Instance normalization with per-channel {@code weight} and {@code bias} [C] (PyTorch's {@code InstanceNorm2d(C, affine=True)}, eps 1e-5). */
    public static Tensor instanceNorm2d(Tensor x, Tensor weight, Tensor bias) {
        return new InstanceNorm2d(1e-5).call(x, weight, bias);
    }

    /**
     * Adaptive instance normalization: {@code content}'s maps [N, C, H, W] given {@code style}'s [N, C, H', W'] per-map
     * mean and σ = √(unbiased variance + 1e-5), as naoto0804/pytorch-AdaIN's {@code adaptive_instance_normalization}.
     */
    public static Tensor adaIn(Tensor content, Tensor style) {
        return new AdaIn(1e-5).call(content, style);
    }

    /** Gram matrices [N, C, C] of NCHW feature maps, not normalized. */
    public static Tensor gram(Tensor features) {
        return gram(features, Precision.FP32);
    }

    /** {@link #gram(Tensor)} with the products of forward and backward in {@code precision} (see {@link Precision}). */
    public static Tensor gram(Tensor features, Precision precision) {
        return gram(features, precision, precision);
    }

    /** {@link #gram(Tensor)} with the forward product in {@code forward} and the backward's in {@code gradient}. */
    public static Tensor gram(Tensor features, Precision forward, Precision gradient) {
        return new Gram(forward, gradient).call(features);
    }

    /** {@code mean((a - b)²)}, a scalar. */
    public static Tensor mse(Tensor a, Tensor b) {
        return new Mse().call(a, b);
    }
}
