package dev.stylegrad.style;

import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import java.util.function.Supplier;

/**
 * One finished step: its index (0-based), the losses at the image before its update (weights applied), its wall
 * time, the function evaluations so far, and the current image on request ({@link #image()} renders it, so call it
 * only when needed and only during the callback).
 */
public record Step(int index, int totalSteps, Objective.Evaluation losses, double seconds, long evaluations, Supplier<RgbImage> imageSupplier) {
    /** The image after this step's update, as 8-bit RGB (with original colors applied if requested). */
    public RgbImage image() {
        return imageSupplier.get();
    }
}
