package dev.stylegrad.tensor;

import java.util.Locale;

/**
 * How oneDNN computes the float32 3×3, stride-1 convolutions and their input gradients: the same sums in another
 * order, so results differ by rounding only.
 *
 * <ul>
 *   <li>{@link #DIRECT}: the direct kernels (what PyTorch always asks for). The only choice off oneDNN's AVX-512 path.
 *   <li>{@link #WINOGRAD}: oneDNN's Winograd F(4×4, 3×3) kernels wherever oneDNN has one for the layer (float32, 3×3,
 *       stride 1, no dilation, on AVX-512), direct for the rest. About 2.25× fewer multiplications on 3×3 layers, with
 *       a relative rounding error a few times float32's (measured in benchmarks/RESULTS.md). Asking for it where oneDNN
 *       has no Winograd kernels at all is an error ({@link #unavailableReason}), never a silent fallback.
 *   <li>{@link #AUTO} (the default): Winograd for the layers with at least 32 channels in and out, where it measured
 *       0.34–0.48 of the direct time (Zen 4); direct for the others (VGG's first layer, small networks) and wherever
 *       Winograd is absent (AVX2). A fixed rule rather than a timing per process, so every process on a CPU computes
 *       the same sums and resumed runs stay bit-identical (see {@code WinogradChoice}).
 * </ul>
 *
 * <p>Weight gradients (networks in training) and bfloat16 products always take the direct kernels: oneDNN's Winograd
 * kernels here are float32 only.
 */
public enum ConvAlgorithm {
    DIRECT,
    WINOGRAD,
    AUTO;

    /** The name on the command line and in {@code -Dstylegrad.convAlgorithm}: {@code direct}, {@code winograd}, {@code auto}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The algorithm called {@code name} (any case). */
    public static ConvAlgorithm parse(String name) {
        for (ConvAlgorithm a : values()) if (a.cliName().equalsIgnoreCase(name.trim())) return a;
        throw new IllegalArgumentException("unknown convolution algorithm '" + name + "': expected direct, winograd or auto");
    }

    /** Null if this choice can run in this process, else one sentence saying why not (only {@link #WINOGRAD} can fail). */
    public String unavailableReason() {
        return this == WINOGRAD ? OneDnnConvolution.winogradUnavailableReason() : null;
    }

    /**
     * Returns normally if this choice can run in this process.
     *
     * @throws UnsupportedOperationException with {@link #unavailableReason} otherwise
     */
    public void requireAvailable() {
        String reason = unavailableReason();
        if (reason != null) throw new UnsupportedOperationException(reason);
    }
}
