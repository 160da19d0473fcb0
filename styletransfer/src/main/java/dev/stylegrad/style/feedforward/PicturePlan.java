package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether a feed-forward network can stylize a picture, decided from its header before any pixel is decoded: the size
 * it will be stylized at (its own, or scaled to a longer side), too small for the network or too large for the memory
 * available. One check for every caller ({@code apply}, the Spark job).
 *
 * @param width the width the picture is stylized at
 * @param height its height
 * @param problem null when it can be stylized; else the sentence saying why not (without the file's name)
 * @param memory whether the problem is the memory (so a smaller longer side would fix it)
 */
public record PicturePlan(int width, int height, String problem, boolean memory) {
    /** The smallest longer side {@code --size} may ask for. */
    public static final int MIN_SIZE = 16;

    /** Checks a requested longer side (null: each picture's own size) before any picture is read. */
    public static void checkSize(Integer maxSide) {
        if (maxSide != null && maxSide < MIN_SIZE) throw new SettingsException("--size must be at least " + MIN_SIZE + " pixels, got " + maxSide);
    }

    /**
     * @throws IOException naming the file if it cannot be read, is not a picture or declares more than {@code maxPixels}
     */
    public static PicturePlan of(Path file, Integer maxSide, long maxPixels) throws IOException {
        int[] wh = ImageFiles.dimensions(file, maxPixels);
        int[] t = maxSide == null ? wh : Resampler.fitMaxSideDimensions(wh[0], wh[1], maxSide);
        if (Math.min(t[0], t[1]) < TransformerNet.MINIMUM_SIDE) {
            return new PicturePlan(t[0], t[1], String.format(Locale.ROOT, "%dx%d px is too small for the network (each side at least %d px)%s", t[0], t[1],
                    TransformerNet.MINIMUM_SIDE, maxSide == null ? "; enlarge it with --size" : ""), false);
        }
        String shortfall = FeedForwardMemory.applyShortfall(t[0], t[1]).orElse(null);
        return new PicturePlan(t[0], t[1], shortfall, shortfall != null);
    }

    public boolean ok() {
        return problem == null;
    }
}
