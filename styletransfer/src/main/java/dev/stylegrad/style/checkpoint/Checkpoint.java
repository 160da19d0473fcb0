package dev.stylegrad.style.checkpoint;

import dev.stylegrad.style.optim.Objective;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One saved point of a run: after {@code completedSteps} steps, the normalized image exactly as the optimizer sees it
 * (float32 NCHW, not the 8-bit output), the optimizer's full state ({@link dev.stylegrad.style.optim.Optimizer#state()}),
 * the settings that determine the result, and every step's logged losses so far (so {@code --log-json} and
 * {@code --plot} come out as an uninterrupted run's).
 */
public record Checkpoint(int completedSteps, INDArray image, String optimizer, Map<String, Object> optimizerState,
                         Fingerprint fingerprint, List<LoggedStep> losses) {
    /** One logged step: its weighted losses and wall time, as {@code --log-json} wrote them. */
    public record LoggedStep(Objective.Evaluation losses, double seconds) {}

    public Checkpoint {
        if (completedSteps < 0) throw new IllegalArgumentException("completed steps must be >= 0, got " + completedSteps);
        if (losses.size() != completedSteps) {
            throw new IllegalArgumentException("a checkpoint after " + completedSteps + " steps needs as many logged steps, got " + losses.size());
        }
        losses = List.copyOf(losses);
    }
}
