package dev.stylegrad.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) during a job: the JVM's shutdown hook asks the job to stop after its current step, then holds the
 * exit until the job has written what it keeps (the image or model, the checkpoint, the summary) and called {@link
 * #finished}, or until the wait runs out. Removed again when the job ends without being interrupted, so a failed or
 * finished job never holds the exit.
 */
final class InterruptHook {
    private final CountDownLatch written = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean fired;

    private InterruptHook(Runnable cancel, long waitSeconds) {
        hook = new Thread(() -> {
            fired = true;
            cancel.run();
            try {
                written.await(waitSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stylegrad-interrupt");
    }

    /** Installs the hook: on Ctrl-C it runs {@code cancel} and waits at most {@code waitSeconds} for {@link #finished}. */
    static InterruptHook install(Runnable cancel, long waitSeconds) {
        InterruptHook h = new InterruptHook(cancel, waitSeconds);
        Runtime.getRuntime().addShutdownHook(h.hook);
        return h;
    }

    /** Whether a Ctrl-C arrived. */
    boolean fired() {
        return fired;
    }

    /** The job has written what it keeps: a Ctrl-C shutdown may proceed; without one, the hook is removed. */
    void finished() {
        written.countDown();
        if (fired) return; // it is running: it cannot be removed then, and need not be
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already
        }
    }
}
