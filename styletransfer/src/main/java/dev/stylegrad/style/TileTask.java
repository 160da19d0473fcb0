package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.io.Serializable;

/**
 * One tile's share of a pass of a tiled step ({@link TileRunner}): everything it reads travels with it (its window of
 * the picture, the content targets and Gram seeds it needs), so it can run in another JVM on the same network loaded
 * from the same file. Its result depends on nothing else, so it is the same bits wherever it runs.
 *
 * @param <R> what it returns to the caller
 */
public interface TileTask<R extends Serializable> extends Serializable {
    /** Computes the result on {@code net} (loaded from {@link Vgg#spec()} of the caller's network). */
    R run(Vgg net);

    /** Bytes of arrays this task carries to where it runs (for the cost model). */
    long bytesIn();
}
