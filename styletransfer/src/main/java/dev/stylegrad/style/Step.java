package dev.stylegrad.style;

import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import java.util.function.Supplier;

/**
 * One finished step: its index (0-based, counted over all scales of a multi-scale run), the run's total steps, the
 * scale it ran at (0-based index, and that scale's longer side in pixels), the losses at the image before its update
 * (weights applied), its wall time, the function evaluations so far (over the scales this run has worked at; a resumed
 * run counts from its checkpoint's scale, whose optimizer state holds that scale's count), and the current image on
 * request ({@link #image()} renders it at the scale's size, so call it only when needed and only during the callback).
 */
public record Step(int index, int totalSteps, int scale, int scaleSide, Objective.Evaluation losses, double seconds, long evaluations,
                   Supplier<RgbImage> imageSupplier) {
    /** The image after this step's update, as 8-bit RGB (with original colors applied if requested). */
    public RgbImage image() {
        return imageSupplier.get();
    }
}
