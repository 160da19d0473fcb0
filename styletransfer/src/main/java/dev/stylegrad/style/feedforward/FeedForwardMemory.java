package dev.stylegrad.style.feedforward;

import dev.stylegrad.style.MemoryCheck;
import dev.stylegrad.style.SettingsException;
import java.util.Locale;
import java.util.Optional;

/**
 * What a feed-forward network's work costs in memory, so that sizes that cannot fit are refused before any work
 * (as {@code run}'s L-BFGS check does) instead of ending in {@code OutOfMemoryError} or the kernel's OOM killer.
 *
 * <p>The estimates are bytes per pixel fitted to peak RSS measured with /usr/bin/time (AMD EPYC Zen 5, 2 threads,
 * the reference's widths 32, 64, 128; benchmarks' ApplyTimer and TrainTimer), with a margin: the slope between sizes,
 * so the process's fixed part (the JVM, the native libraries, the loaded networks) is left out, as {@link
 * MemoryCheck#available()} reports what is still free beside it.
 */
public final class FeedForwardMemory {
    /**
     * Stylizing one picture without a tape ({@code apply}): peak RSS 648, 1,959 and 4,151 MB at 512×384, 1024×768 and
     * 1536×1152, a slope of 2,276 and 2,284 bytes per pixel; 2,560 with the margin.
     */
    static final long APPLY_BYTES_PER_PIXEL = 2560;
    /**
     * One training step, per pixel of the batch (B·S²): the network on the tape and the loss network (VGG19 to
     * relu4_3, more than VGG16's) on the batch and the result. Peak RSS 793, 1,601 and 4,117 MB for 1×128², 1×256²
     * and 4×256², slopes of 16,834 and 13,106 bytes per pixel; 18,000 with the margin.
     */
    static final long TRAIN_BYTES_PER_PIXEL = 18_000;
    /**
     * The style picture's targets: the loss network without a tape, per pixel of the style picture. Not measured on
     * its own: bounded by a quarter of a training pixel, whose loss network runs twice on the tape besides the network.
     */
    static final long STYLE_BYTES_PER_PIXEL = TRAIN_BYTES_PER_PIXEL / 4;

    private FeedForwardMemory() {}

    public static long applyBytes(long width, long height) {
        return saturatedProduct(width * height, APPLY_BYTES_PER_PIXEL);
    }

    public static long trainBytes(long batch, long side) {
        return saturatedProduct(batch * side * side, TRAIN_BYTES_PER_PIXEL);
    }

    public static long styleBytes(long width, long height) {
        return saturatedProduct(width * height, STYLE_BYTES_PER_PIXEL);
    }

    /** The longer side up to which a picture of this aspect (width:height) fits in {@code bytes} when stylized. */
    public static int largestApplySide(long bytes, int width, int height) {
        double aspect = (double) Math.min(width, height) / Math.max(width, height);
        return (int) Math.min(Integer.MAX_VALUE, Math.floor(Math.sqrt(bytes / (double) APPLY_BYTES_PER_PIXEL / aspect)));
    }

    /**
     * An empty optional when stylizing a {@code width × height} picture fits in the memory available, else the sentence
     * saying what it needs and what is available (the caller names the picture and says what to change).
     */
    public static Optional<String> applyShortfall(int width, int height) {
        MemoryCheck.Available a = MemoryCheck.available().orElse(null);
        long need = applyBytes(width, height);
        if (a == null || need <= a.bytes()) return Optional.empty();
        return Optional.of(String.format(Locale.ROOT, "stylizing it at %dx%d px needs about %s, but %s is available (%s); "
                + "at most %d px on its longer side fits", width, height, human(need), human(a.bytes()), a.source(),
                largestApplySide(a.bytes(), width, height)));
    }

    /**
     * Refuses training settings whose step cannot fit: a batch of {@code batch} pictures of {@code side}² pixels and a
     * style picture of {@code styleWidth × styleHeight}, worded with the command line's or the library's names.
     */
    public static void checkTraining(int batch, int side, int styleWidth, int styleHeight, boolean commandLine) {
        MemoryCheck.Available a = MemoryCheck.available().orElse(null);
        if (a == null) return;
        long step = trainBytes(batch, side), style = styleBytes(styleWidth, styleHeight);
        if (step > a.bytes()) {
            long sideFits = (long) Math.floor(Math.sqrt(a.bytes() / (double) TRAIN_BYTES_PER_PIXEL / batch));
            long batchFits = a.bytes() / Math.max(1, (long) side * side * TRAIN_BYTES_PER_PIXEL);
            throw new SettingsException(String.format(Locale.ROOT, "a training step on %d pictures of %dx%d px needs about %s, but %s is available (%s): "
                    + "%s %d fits at this batch size%s", batch, side, side, human(step), human(a.bytes()), a.source(),
                    commandLine ? "--image-size" : "image size", sideFits,
                    batchFits >= 1 ? String.format(Locale.ROOT, ", or %s %d at this image size", commandLine ? "--batch-size" : "batch size", batchFits) : ""));
        }
        if (style > a.bytes()) {
            throw new SettingsException(String.format(Locale.ROOT, "the style picture at %dx%d px needs about %s for its targets, but %s is available (%s): "
                    + "give a smaller %s", styleWidth, styleHeight, human(style), human(a.bytes()), a.source(), commandLine ? "--style-size" : "style size"));
        }
    }

    private static long saturatedProduct(long pixels, long perPixel) {
        return pixels > Long.MAX_VALUE / perPixel ? Long.MAX_VALUE : pixels * perPixel;
    }

    static String human(long bytes) {
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1073741824.0);
    }
}
