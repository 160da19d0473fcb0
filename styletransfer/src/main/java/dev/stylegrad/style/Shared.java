package dev.stylegrad.style;

import java.io.Serializable;

/**
 * A value that many {@link StepTask}s of one call read (a training step's weights, the style's Gram matrices), made
 * by {@link StepRunner#share}: the tasks hold this handle instead of the value, so a runner that sends tasks elsewhere
 * sends the value once per machine (a Spark broadcast), not once per task. Read-only: tasks must not change it.
 *
 * @param <T> the value
 */
public interface Shared<T extends Serializable> extends Serializable {
    /** The value (where the task runs: fetched there once and then the same object for every task). */
    T get();

    /** Done with it: the runner may drop its copies. Only the side that shared it calls this; idempotent. */
    default void release() {}

    /** A value that lives in this JVM only: what {@link StepRunner#HERE} shares. */
    static <T extends Serializable> Shared<T> inThisJvm(T value) {
        return new Local<>(value);
    }

    /** {@link #inThisJvm}: a plain holder (serialized whole where a runner does not override {@link StepRunner#share}). */
    record Local<T extends Serializable>(T value) implements Shared<T> {
        @Override
        public T get() {
            return value;
        }
    }
}
