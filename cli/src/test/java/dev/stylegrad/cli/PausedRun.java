package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs the CLI in this JVM on another thread, paused after a step (RunCommand's test hook) while a check runs. */
final class PausedRun {
    private PausedRun() {}

    interface Check {
        void run() throws Exception;
    }

    /** Starts {@code cli}, waits until it pauses after {@code step} (creating {@code pause}), runs the check, lets it go on. */
    static StylegradCliTest.Result run(Path pause, int step, Check whilePaused, Supplier<StylegradCliTest.Result> cli) throws Exception {
        System.setProperty(RunCommand.PAUSE_AFTER_STEP, Integer.toString(step));
        System.setProperty(RunCommand.PAUSE_FILE, pause.toString());
        CompletableFuture<StylegradCliTest.Result> run = CompletableFuture.supplyAsync(cli);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(pause) && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(pause).as("the run pauses after step %d (%s)", step, run.isDone() ? run.get().err() : "still running").exists();
            whilePaused.run();
        } finally {
            Files.deleteIfExists(pause); // lets the run go on
            System.clearProperty(RunCommand.PAUSE_AFTER_STEP);
            System.clearProperty(RunCommand.PAUSE_FILE);
        }
        return run.get(120, TimeUnit.SECONDS);
    }
}
