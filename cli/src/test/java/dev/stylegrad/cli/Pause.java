package dev.stylegrad.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Pauses a run once step {@code after} is complete (logged, saved and checkpointed as usual): creates {@code file},
 * then waits until it is deleted or Ctrl-C arrives (at most 10 minutes). Installed at RunCommand's step seam, it lets
 * signal and checkpoint tests hit a run at a known step instead of racing its clock.
 */
record Pause(int after, Path file) implements RunCommand.StepObserver {
    /** The seam's default: no pause. */
    static final RunCommand.StepObserver NONE = (completed, interrupted) -> { };

    @Override
    public void afterStep(int completed, BooleanSupplier interrupted) {
        if (completed != after) return;
        try {
            Files.createFile(file);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (Files.exists(file) && !interrupted.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(10);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The CLI in a child JVM paused after a step: {@code PausingCli STEP FILE run ...}. The child's classpath is the
     * test classpath, where this class is.
     */
    static final class PausingCli {
        private PausingCli() {}

        public static void main(String[] args) {
            RunCommand.observer = new Pause(Integer.parseInt(args[0]), Path.of(args[1]));
            StylegradCli.main(Arrays.copyOfRange(args, 2, args.length));
        }
    }
}
