package dev.stylegrad.style.checkpoint;

import dev.stylegrad.style.optim.Objective;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One saved point of a run: after {@code completedSteps} steps (counted over all scales), the normalized image exactly
 * as the optimizer sees it (float32 NCHW, not the 8-bit output), the optimizer's full state
 * ({@link dev.stylegrad.style.optim.Optimizer#state()}), the settings that determine the result, every step's logged
 * losses so far (so {@code --log-json} and {@code --plot} come out as an uninterrupted run's), the scale the image and
 * state belong to (0-based; {@link dev.stylegrad.style.StyleTransfer.Snapshot#scale()}) and the steps per scale the run
 * was given ({@code null} when not recorded: format version 1, one scale).
 */
public record Checkpoint(int completedSteps, INDArray image, String optimizer, Map<String, Object> optimizerState,
                         Fingerprint fingerprint, List<LoggedStep> losses, int scale, int[] stepsPerScale) {
    /** One logged step: its weighted losses and wall time, as {@code --log-json} wrote them. */
    public record LoggedStep(Objective.Evaluation losses, double seconds) {}

    public Checkpoint {
        if (completedSteps < 0) throw new IllegalArgumentException("completed steps must be >= 0, got " + completedSteps);
        if (losses.size() != completedSteps) {
            throw new IllegalArgumentException("a checkpoint after " + completedSteps + " steps needs as many logged steps, got " + losses.size());
        }
        if (scale < 0 || (stepsPerScale != null && scale >= stepsPerScale.length)) {
            throw new IllegalArgumentException("scale " + scale + " is not one of the " + (stepsPerScale == null ? "?" : stepsPerScale.length) + " scales");
        }
        losses = List.copyOf(losses);
        stepsPerScale = stepsPerScale == null ? null : stepsPerScale.clone();
    }

    /** A checkpoint of a one-scale run whose steps are not recorded (as format version 1 saved them). */
    public Checkpoint(int completedSteps, INDArray image, String optimizer, Map<String, Object> optimizerState, Fingerprint fingerprint,
                      List<LoggedStep> losses) {
        this(completedSteps, image, optimizer, optimizerState, fingerprint, losses, 0, null);
    }

    @Override
    public int[] stepsPerScale() {
        return stepsPerScale == null ? null : stepsPerScale.clone();
    }
}
