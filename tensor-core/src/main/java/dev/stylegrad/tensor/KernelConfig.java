package dev.stylegrad.tensor;

import java.util.Locale;

/**
 * The switches that choose which kernels run, read once from system properties when this class loads. Every switch
 * changes speed or memory only, never a result beyond the rounding of the kernel chosen; {@link Backend#report()}
 * prints them, so every log says how it ran.
 *
 * <ul>
 *   <li>{@value #ONEDNN_PROPERTY} ({@code true} by default): {@code false} sends convolutions and products through
 *       libnd4j's ops instead of our direct oneDNN calls: the backend-neutral path the CUDA build runs, for A/B
 *       comparisons (a platform without the dnnl binaries takes that path by itself).
 *   <li>{@value #GRAM_PROPERTY} ({@code auto} by default): which product computes Gram matrices in float32 and float64;
 *       see {@link Gram}.
 *   <li>{@value #CONV_ALGORITHM_PROPERTY} ({@code auto} by default): direct or Winograd 3×3 convolutions, see
 *       {@link ConvAlgorithm}; {@link Backend#setConvAlgorithm} (the command line's {@code --conv-algorithm}) changes it.
 *   <li>{@value #HOST_THREADS_PROPERTY} (1 by default): threads of the Java max-pooling and ReLU loops; capped by
 *       {@link Backend#setThreads} (the command line's {@code --threads}). Their results are the same for any count.
 * </ul>
 *
 * <p>A value these do not name fails loudly (this class does not load), rather than an A/B run silently measuring the
 * default. {@code stylegrad.noSyrk} is gone: {@code -Dstylegrad.gram=onednn} is what it did.
 */
public final class KernelConfig {
    private KernelConfig() {}

    /** System property turning the direct oneDNN path on or off. */
    public static final String ONEDNN_PROPERTY = "stylegrad.onednn";
    /** System property choosing the Gram-matrix product, one of {@link Gram}'s names in lower case. */
    public static final String GRAM_PROPERTY = "stylegrad.gram";
    /** System property giving the start value of {@link #convAlgorithm()}, one of {@link ConvAlgorithm}'s names in lower case. */
    public static final String CONV_ALGORITHM_PROPERTY = "stylegrad.convAlgorithm";
    /** System property giving the start value of {@link #hostThreads()}. */
    public static final String HOST_THREADS_PROPERTY = "stylegrad.hostThreads";

    /** Which product computes a Gram matrix {@code F·Fᵀ}; bfloat16 precision always takes oneDNN's. */
    public enum Gram {
        /**
         * oneDNN's matmul where it runs (float32 on the CPU with oneDNN loaded: measured fastest inside a style step,
         * see benchmarks/RESULTS.md), else OpenBLAS syrk from 256 channels on where
         * OpenBLAS is present, else the general product.
         */
        AUTO,
        /** oneDNN's matmul where it runs, else the general product (never syrk). */
        ONEDNN,
        /**
         * OpenBLAS syrk (upper triangle, mirrored) from 256 channels on where OpenBLAS
         * is present; below that, or without it, {@link Kernels#matmul} (oneDNN's where it runs). Faster alone at
         * 256 channels and more, not inside a step, and ~50 MB more memory.
         */
        SYRK,
        /** libnd4j's matmul op (BLAS gemm) always. */
        GEMM;

        /** The name the property and the report use, e.g. {@code auto}. */
        public String propertyValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final boolean ONEDNN = parseOneDnn(System.getProperty(ONEDNN_PROPERTY));
    private static final Gram GRAM = parseGram(System.getProperty(GRAM_PROPERTY));
    private static final int CONFIGURED_HOST_THREADS = parseHostThreads(System.getProperty(HOST_THREADS_PROPERTY));
    // Read when a convolution's kernel is first chosen; set by Backend.setConvAlgorithm from any thread.
    private static volatile ConvAlgorithm convAlgorithm = parseConvAlgorithm(System.getProperty(CONV_ALGORITHM_PROPERTY));
    // Read on every host-kernel call and capped by Backend.setThreads from any thread.
    private static volatile int hostThreads = CONFIGURED_HOST_THREADS;

    static {
        if (System.getProperty("stylegrad.noSyrk") != null) {
            throw new IllegalArgumentException("-Dstylegrad.noSyrk was replaced by -D" + GRAM_PROPERTY + "=onednn");
        }
    }

    /** False iff {@code -Dstylegrad.onednn=false}: convolutions and products then take libnd4j's ops. */
    public static boolean oneDnnEnabled() {
        return ONEDNN;
    }

    /** The Gram-matrix product chosen by {@code -Dstylegrad.gram}. */
    public static Gram gram() {
        return GRAM;
    }

    /** How 3×3 float32 convolutions are computed: {@code -Dstylegrad.convAlgorithm}, or {@link Backend#setConvAlgorithm}. */
    public static ConvAlgorithm convAlgorithm() {
        return convAlgorithm;
    }

    /** Called by {@link Backend#setConvAlgorithm}, which checked availability. */
    static void setConvAlgorithm(ConvAlgorithm a) {
        convAlgorithm = a;
    }

    /** Threads the Java max-pooling and ReLU loops split their work over (at least 1). */
    public static int hostThreads() {
        return hostThreads;
    }

    /** The host threads {@code -Dstylegrad.hostThreads} asked for (1 by default), which {@link Backend#setThreads} caps. */
    static int configuredHostThreads() {
        return CONFIGURED_HOST_THREADS;
    }

    /** Called by {@link Backend#setThreads} and tests; n was checked there. */
    static void setHostThreads(int n) {
        hostThreads = n;
    }

    static boolean parseOneDnn(String value) {
        if (value == null || value.equals("true")) return true;
        if (value.equals("false")) return false;
        throw new IllegalArgumentException("-D" + ONEDNN_PROPERTY + " must be true or false, got '" + value + "'");
    }

    static Gram parseGram(String value) {
        if (value == null) return Gram.AUTO;
        for (Gram g : Gram.values()) if (g.propertyValue().equals(value)) return g;
        throw new IllegalArgumentException("-D" + GRAM_PROPERTY + " must be one of auto, onednn, syrk, gemm, got '" + value + "'");
    }

    static ConvAlgorithm parseConvAlgorithm(String value) {
        if (value == null) return ConvAlgorithm.AUTO;
        for (ConvAlgorithm a : ConvAlgorithm.values()) if (a.cliName().equals(value)) return a;
        throw new IllegalArgumentException("-D" + CONV_ALGORITHM_PROPERTY + " must be one of direct, winograd, auto, got '" + value + "'");
    }

    static int parseHostThreads(String value) {
        if (value == null) return 1;
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + HOST_THREADS_PROPERTY + " must be a whole number of at least 1, got '" + value + "'");
    }
}
