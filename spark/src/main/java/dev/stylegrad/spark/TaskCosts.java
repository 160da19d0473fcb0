package dev.stylegrad.spark;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Collects Spark's own task metrics for the passes {@link SparkStepRunner} runs (recognized by their job group): each
 * task's run time on its executor, the bytes of its result, and each executor's busy time. Spark delivers these events
 * on its listener bus, after the job's results may already be back, so a pass waits for its job's end event ({@link
 * #await}); the bus delivers a job's task events before its end.
 */
final class TaskCosts extends SparkListener {
    /** How long a pass waits for its metrics before it goes on without them (the bus is late only when overloaded). */
    private static final long WAIT_SECONDS = 10;

    /** One pass's metrics, filled by the listener bus's thread. */
    static final class Pass {
        private final CountDownLatch ended = new CountDownLatch(1);
        private final Map<String, Double> busyPerExecutor = new HashMap<>();
        double taskSeconds, slowestTaskSeconds;
        long resultBytes;

        /** The busiest executor's time in this pass: running, deserializing tasks and serializing results. */
        synchronized double busiestExecutorSeconds() {
            return busyPerExecutor.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        private synchronized void add(String executor, TaskMetrics m, boolean successful) {
            double run = m.executorRunTime() / 1e3;
            busyPerExecutor.merge(executor, run + (m.executorDeserializeTime() + m.resultSerializationTime()) / 1e3, Double::sum);
            if (!successful) return; // a lost attempt's time shows as busy time, not as a task's
            taskSeconds += run;
            slowestTaskSeconds = Math.max(slowestTaskSeconds, run);
            resultBytes += m.resultSize();
        }
    }

    private final Map<String, Pass> byGroup = new ConcurrentHashMap<>();
    private final Map<Integer, Pass> byJob = new ConcurrentHashMap<>(), byStage = new ConcurrentHashMap<>();

    /** Starts collecting for the job that will run in {@code group}. */
    Pass expect(String group) {
        Pass p = new Pass();
        byGroup.put(group, p);
        return p;
    }

    /** {@code pass} once its job's end has been delivered, or null if that takes longer than {@link #WAIT_SECONDS}. */
    Pass await(Pass pass) {
        try {
            return pass.ended.await(WAIT_SECONDS, TimeUnit.SECONDS) ? pass : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            byGroup.values().remove(pass);
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        String group = e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
        Pass p = group == null ? null : byGroup.get(group);
        if (p == null) return;
        byJob.put(e.jobId(), p);
        for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) byStage.put((Integer) stage, p);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        Pass p = byStage.get(e.stageId());
        if (p != null && e.taskMetrics() != null) p.add(e.taskInfo().executorId(), e.taskMetrics(), e.taskInfo().successful());
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd e) {
        Pass p = byJob.remove(e.jobId());
        if (p == null) return;
        byStage.values().removeIf(v -> v == p);
        p.ended.countDown();
    }
}
