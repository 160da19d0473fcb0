package dev.stylegrad.style.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A differentiable scalar function of the parameters, with named parts for logging. */
public interface Objective {
    /**
     * Evaluates at {@code x} (not modified) and writes the gradient of the total into {@code grad} (same shape,
     * overwritten).
     */
    Evaluation evaluate(INDArray x, INDArray grad);

    /** The value of one evaluation: the total and its weighted parts (here content, style, total variation). */
    record Evaluation(double content, double style, double tv, double total) {
        public boolean isFinite() {
            return Double.isFinite(total) && Double.isFinite(content) && Double.isFinite(style) && Double.isFinite(tv);
        }
    }
}
