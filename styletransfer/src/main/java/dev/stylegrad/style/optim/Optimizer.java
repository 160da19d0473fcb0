package dev.stylegrad.style.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Minimizes an {@link Objective} one iteration at a time, updating the parameters in place. */
public interface Optimizer {
    /**
     * One iteration: evaluates the objective at the current {@code x} (its losses are returned), then moves {@code x}
     * in place. May evaluate more than once (line searches); see {@link #evaluations()}.
     */
    Objective.Evaluation step(INDArray x, Objective objective);

    /** Function evaluations so far (one per step for Adam, one or more for L-BFGS). */
    long evaluations();

    /**
     * The optimizer's state for checkpoints: named {@code INDArray}s (copies) and scalars ({@code Long}, {@code Double},
     * {@code Boolean}). It is complete: a fresh optimizer given it by {@link #restore} continues bit-identically to the
     * one it came from. Buffers that every step overwrites before reading (gradient scratch) are left out.
     */
    Map<String, Object> state();

    /**
     * Restores a state returned by {@link #state()} (for the same parameter shape). Numbers may come back as any
     * {@link Number} type (a JSON round trip turns Long into Integer, say).
     */
    void restore(Map<String, Object> state);

    /** True once the optimizer has stopped making progress (a vanishing gradient); further steps change nothing. */
    default boolean converged() {
        return false;
    }

    /**
     * Frees the optimizer's long-lived arrays and the pooled scratch memory of its steps now, instead of whenever the
     * GC gets to them (the GC does not see off-heap memory). The optimizer must not be used afterwards. A multi-scale
     * run closes each scale's optimizer before the next, larger scale allocates its own.
     */
    default void close() {}

    /** A short name: "adam" or "lbfgs". */
    String name();
}
