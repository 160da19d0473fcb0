package dev.stylegrad.models;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.layers.Intermediates;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Pool2dSpec;
import java.util.List;

/**
 * One layer of the AdaIN networks (naoto0804/pytorch-AdaIN's {@code net.vgg} and {@code net.decoder}), as its
 * {@code nn.Sequential} has it: a convolution with its state-dict index (reflection padding of half its kernel in front,
 * a ReLU after it or not), 2×2 max pooling of stride 2 in ceil mode, or nearest up-sampling ×2. The same list runs
 * the network and tells the tiles how far each output position reaches into the input ({@link #inputSpan}).
 */
public record AdaInLayer(Kind kind, int index, int kernel, boolean relu) {
    /** What a layer does. */
    public enum Kind { CONV, POOL, UP }

    static AdaInLayer conv(int index, int kernel, boolean relu) {
        return new AdaInLayer(Kind.CONV, index, kernel, relu);
    }

    static AdaInLayer pool() {
        return new AdaInLayer(Kind.POOL, -1, 2, false);
    }

    static AdaInLayer up() {
        return new AdaInLayer(Kind.UP, -1, 2, false);
    }

    /** The state-dict key of this convolution's weight ({@code "29.weight"}). */
    public String weightKey() {
        return index + ".weight";
    }

    /** The state-dict key of this convolution's bias. */
    public String biasKey() {
        return index + ".bias";
    }

    /** This layer on {@code x}, with the given convolution parameters (ignored by the other kinds). */
    Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        return switch (kind) {
            case CONV -> {
                int p = kernel / 2;
                Tensor padded = p == 0 ? x : Ops.reflectionPad2d(x, p, p, p, p);
                Tensor out = relu ? Ops.conv2dRelu(padded, weight, bias, Conv2dSpec.of(1, 0, 1)) : Ops.conv2d(padded, weight, bias, Conv2dSpec.of(1, 0, 1));
                if (padded != x) releaseIfDone(padded, out, x, java.util.List.of());
                yield out;
            }
            case POOL -> {
                Tensor edged = ceilModeEdge(x);
                Tensor out = Ops.maxPool2d(edged, Pool2dSpec.VGG);
                if (edged != x) releaseIfDone(edged, out, x, java.util.List.of());
                yield out;
            }
            case UP -> Ops.upsampleNearest2d(x, 2);
        };
    }

    /**
     * PyTorch's ceil mode for 2×2 windows of stride 2: an odd last row or column gets a window of its own. Repeating
     * that row (or column) once gives the window the same maximum, and the gradient as PyTorch routes it (ties go to
     * the first element, the original).
     */
    private static Tensor ceilModeEdge(Tensor x) {
        long h = x.shape()[2], w = x.shape()[3];
        if (h % 2 == 1) x = Ops.concat(2, x, Ops.slice(x, new long[] {0, 0, h - 1, 0}, new long[] {x.shape()[0], x.shape()[1], h, w}));
        if (w % 2 == 1) {
            long h2 = x.shape()[2];
            x = Ops.concat(3, x, Ops.slice(x, new long[] {0, 0, 0, w - 1}, new long[] {x.shape()[0], x.shape()[1], h2, w}));
        }
        return x;
    }

    /** {@link Intermediates#releaseAfterLastUse}: the autodiff layers' rule for handing an intermediate back early. */
    static void releaseIfDone(Tensor used, Tensor result, Tensor input, java.util.Collection<Tensor> kept) {
        Intermediates.releaseAfterLastUse(used, result, input, kept);
    }

    /** The output size of this layer along one axis for an input of {@code n}. */
    long outputSize(long n) {
        return switch (kind) {
            case CONV -> n;
            case POOL -> (n + 1) / 2;
            case UP -> 2 * n;
        };
    }

    /** The output size of {@code layers} along one axis for an input of {@code n}. */
    public static long outputSize(List<AdaInLayer> layers, long n) {
        for (AdaInLayer l : layers) n = l.outputSize(n);
        return n;
    }

    /**
     * The input positions [lo, hi] (inclusive, along one axis, possibly beyond the picture) that output positions
     * [lo, hi] of {@code layers} depend on, away from the picture's borders: each convolution widens the span by half
     * its kernel, pooling maps position p to 2p and 2p + 1, up-sampling position p to p / 2 (rounded down).
     */
    public static long[] inputSpan(List<AdaInLayer> layers, long lo, long hi) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            AdaInLayer l = layers.get(i);
            switch (l.kind) {
                case CONV -> {
                    lo -= l.kernel / 2;
                    hi += l.kernel / 2;
                }
                case POOL -> {
                    lo = 2 * lo;
                    hi = 2 * hi + 1;
                }
                case UP -> {
                    lo = Math.floorDiv(lo, 2);
                    hi = Math.floorDiv(hi, 2);
                }
            }
        }
        return new long[] {lo, hi};
    }
}
