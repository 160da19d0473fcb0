package dev.stylegrad.spark;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.Shared;
import dev.stylegrad.style.StepRunner;
import dev.stylegrad.style.StepTask;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Computes the windows of tiled steps as the tasks of Spark jobs, one task per window: the driver keeps the picture,
 * the optimizer's state and the content targets, each task carries its window (and the targets and Gram seeds it
 * needs), and the results come back in the windows' order, so the step is the same, bit for bit, as in one JVM
 * (docs/design.md, "Tiles on a cluster"). A task lost with its executor is computed again by Spark, with the same
 * result. The VGG network is loaded once per executor JVM from {@link Vgg#spec()}: its weights file must be readable
 * at the same path on every machine.
 *
 * <p>One pass at a time: {@link #runAll} may be called from one thread at a time (a run's thread).
 */
public final class SparkStepRunner implements StepRunner {
    private final SparkSession spark;
    private final Stats stats = new Stats();
    private final TaskCosts costs = new TaskCosts();
    private long passNumber;

    public SparkStepRunner(SparkSession spark) {
        this.spark = spark;
        spark.sparkContext().addSparkListener(costs);
    }

    /**
     * What went to and from the executors so far, and where the time went, per phase ("pass 1 of 2 (losses)", "training
     * shards", …) in the order first seen: the cost model's terms (docs/design.md, "Tiles on a cluster").
     */
    public static final class Stats {
        public long tasks, bytesOut, passes, bytesBack, bytesShared;
        public double seconds;
        /** Per phase: its passes' totals. */
        public final java.util.LinkedHashMap<String, PhaseCosts> phases = new java.util.LinkedHashMap<>();
    }

    /**
     * One phase's totals over its passes: the wall time this side waited, the tasks' own time on the executors (Spark's
     * executor run time, without deserializing the task), the slowest task, and per pass the busiest executor's time (what
     * the pass cannot be faster than with these executors).
     */
    public static final class PhaseCosts {
        public long passes, tasks, bytesOut, bytesBack;
        public double waitSeconds, taskSeconds, slowestTaskSeconds, busiestExecutorSeconds;

        /** What waiting cost beyond the busiest executor's work: scheduling, shipping tasks and results, stragglers' idle peers. */
        public double overheadSeconds() {
            return waitSeconds - busiestExecutorSeconds;
        }
    }

    public Stats stats() {
        return stats;
    }

    /** Broadcasts {@code value}: each executor fetches it once, whatever the number of its tasks that read it. */
    @Override
    public <T extends Serializable> Shared<T> share(T value, long bytes) {
        stats.bytesShared += bytes;
        return new Broadcasted<>(JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(value));
    }

    /** A {@link Shared} value that is a Spark broadcast. */
    private static final class Broadcasted<T extends Serializable> implements Shared<T> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<T> broadcast;

        Broadcasted(Broadcast<T> broadcast) {
            this.broadcast = broadcast;
        }

        @Override
        public T get() {
            return broadcast.value();
        }

        @Override
        public void release() {
            if (broadcast.isValid()) broadcast.destroy();
        }
    }

    @Override
    public synchronized <R extends Serializable> void runAll(String phase, Vgg net, List<? extends StepTask<R>> tasks, Consumer<? super R> inOrder) {
        if (tasks.isEmpty()) return;
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String group = "stylegrad-" + System.identityHashCode(this) + "-" + (++passNumber);
        jsc.setJobGroup(group, "stylegrad: " + phase + ", " + tasks.size() + " tasks", false);
        TaskCosts.Pass pass = costs.expect(group);
        List<StepTask<R>> list = new ArrayList<>(tasks);
        long out = 0;
        for (StepTask<R> t : list) out += t.bytesIn();
        List<R> results;
        try {
            results = jsc.parallelize(list, list.size()).map(new RunOnExecutor<R>(net.spec())).collect();
        } catch (Exception e) { // Scala throws SparkException without declaring it
            if (!(e instanceof org.apache.spark.SparkException)) throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            // Spark gave up after its retries: say why in one sentence (the executor's exception, not Spark's stack).
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String why = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
            if (root == e && why.contains(": ")) why = why.substring(why.lastIndexOf("): ") + 3).lines().findFirst().orElse(why);
            throw new UncheckedIOException(new IOException("the Spark cluster (" + spark.sparkContext().master() + ") could not compute the " + phase + ": " + why, e));
        } finally {
            jsc.clearJobGroup();
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        stats.tasks += list.size();
        stats.passes++;
        stats.seconds += waited;
        stats.bytesOut += out;
        PhaseCosts phaseCosts = stats.phases.computeIfAbsent(phase, k -> new PhaseCosts());
        phaseCosts.passes++;
        phaseCosts.tasks += list.size();
        phaseCosts.bytesOut += out;
        phaseCosts.waitSeconds += waited;
        TaskCosts.Pass done = costs.await(pass);
        if (done != null) { // Spark's listener bus delivers task metrics asynchronously: without them, only the wait is counted
            phaseCosts.taskSeconds += done.taskSeconds;
            phaseCosts.slowestTaskSeconds = Math.max(phaseCosts.slowestTaskSeconds, done.slowestTaskSeconds);
            phaseCosts.busiestExecutorSeconds += done.busiestExecutorSeconds();
            phaseCosts.bytesBack += done.resultBytes;
            stats.bytesBack += done.resultBytes;
        }
        results.forEach(inOrder);
    }

    @Override
    public int parallelism() {
        return spark.sparkContext().defaultParallelism();
    }

    @Override
    public String describe() {
        return "Spark (" + spark.sparkContext().master() + ")";
    }

    /** Runs one task on the executor's network. */
    private static final class RunOnExecutor<R extends Serializable> implements Function<StepTask<R>, R> {
        private static final long serialVersionUID = 1L;
        private final Vgg.Spec spec;

        RunOnExecutor(Vgg.Spec spec) {
            this.spec = spec;
        }

        @Override
        public R call(StepTask<R> task) {
            return task.run(ExecutorVggs.get(spec));
        }
    }

    /** The VGG networks this executor JVM has loaded, one per recipe, shared by its task threads (forward is thread-safe). */
    static final class ExecutorVggs {
        private static final ConcurrentHashMap<Vgg.Spec, Vgg> LOADED = new ConcurrentHashMap<>();

        private ExecutorVggs() {}

        static Vgg get(Vgg.Spec spec) {
            return LOADED.computeIfAbsent(spec, s -> {
                try {
                    return s.load();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
