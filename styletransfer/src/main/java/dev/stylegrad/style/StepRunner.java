package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.io.Serializable;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the independent parts of a step are computed (the windows of a tiled step, the shards of a training batch):
 * in this JVM, one after the other (the default), or elsewhere, e.g. as the tasks of a Spark job (module
 * {@code spark}). The caller keeps the state (image or network, optimizer, targets) and adds the results up in the
 * tasks' order, so a runner that returns each task's result unchanged gives the same step, bit for bit, as this JVM
 * would with the same parts.
 *
 * <p>Implementations must be safe to call from the thread that runs the step; one call at a time is enough.
 */
public interface StepRunner {
    /**
     * Runs every task and hands their results to {@code inOrder} in the tasks' order (each as soon as it and the ones
     * before it are done, or all at the end).
     *
     * @param phase what the tasks compute, for progress output
     * @param net the caller's network: where the tasks run remotely, loaded there from {@link Vgg#spec()}
     */
    <R extends Serializable> void runAll(String phase, Vgg net, List<? extends StepTask<R>> tasks, Consumer<? super R> inOrder);

    /** How many tasks can run at once (a training step cuts its batch into this many shards). */
    default int parallelism() {
        return 1;
    }

    /**
     * Makes {@code value} readable by the tasks of the coming calls through the returned handle, sent to each place
     * tasks run at most once (the default keeps it in this JVM; a Spark runner broadcasts it). Call {@link
     * Shared#release} when no task needs it any more.
     *
     * @param bytes its size in bytes, for the runner's accounting of what it sent
     */
    default <T extends Serializable> Shared<T> share(T value, long bytes) {
        return Shared.inThisJvm(value);
    }

    /** Where tasks run, for the run's notices ("this JVM", "the Spark cluster at spark://…"). */
    String describe();

    /** Runs tasks here, one after the other, on the caller's network. */
    StepRunner HERE = new StepRunner() {
        @Override
        public <R extends Serializable> void runAll(String phase, Vgg net, List<? extends StepTask<R>> tasks, Consumer<? super R> inOrder) {
            for (StepTask<R> t : tasks) inOrder.accept(t.run(net));
        }

        @Override
        public String describe() {
            return "this JVM";
        }
    };
}
