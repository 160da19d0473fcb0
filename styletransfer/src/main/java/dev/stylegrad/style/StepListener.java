package dev.stylegrad.style;

/** Called after every optimization step, on the thread running {@link StyleTransfer#run()}. */
@FunctionalInterface
public interface StepListener {
    void onStep(Step step);
}
