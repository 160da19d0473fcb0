package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.io.Serializable;

/**
 * An independent part of a step ({@link StepRunner}): one window of a pass of a tiled step, or one shard of a training
 * step's batch. Everything it reads travels with it (a window of the picture, the content targets and Gram seeds it
 * needs; a shard's pictures and the network's weights), so it can run in another JVM on the same VGG network loaded
 * from the same file. Its result depends on nothing else, so it is the same bits wherever it runs.
 *
 * @param <R> what it returns to the caller
 */
public interface StepTask<R extends Serializable> extends Serializable {
    /** Computes the result on {@code net} (loaded from {@link Vgg#spec()} of the caller's network). */
    R run(Vgg net);

    /** Bytes of arrays this task carries to where it runs (for the cost model). */
    long bytesIn();
}
