package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs the CLI in this JVM on another thread, paused after a step (at RunCommand's step seam) while a check runs. */
final class PausedRun {
    private PausedRun() {}

    interface Check {
        void run() throws Exception;
    }

    /** Starts {@code cli}, waits until it pauses after {@code step} (creating {@code pause}), runs the check, lets it go on. */
    static StylegradCliTest.Result run(Path pause, int step, Check whilePaused, Supplier<StylegradCliTest.Result> cli) throws Exception {
        RunCommand.observer = new Pause(step, pause);
        CompletableFuture<StylegradCliTest.Result> run = CompletableFuture.supplyAsync(cli);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(pause) && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(pause).as("the run pauses after step %d (%s)", step, run.isDone() ? run.get().err() : "still running").exists();
            whilePaused.run();
        } finally {
            Files.deleteIfExists(pause); // lets the run go on
            RunCommand.observer = Pause.NONE;
        }
        return run.get(120, TimeUnit.SECONDS);
    }
}
