package dev.stylegrad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@code run} and {@code train} show and keep while they work: the {@code --log-json} file (one JSON object per
 * step, flushed at once, so a crash keeps every finished step), the progress on stderr (a live bar on a terminal,
 * plain lines otherwise) with its time left, and the clock behind that estimate. Open it only once the job is known
 * to go ahead: opening rewrites the log.
 */
final class JobConsole implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter log;
    private final Progress progress;
    private int timedPhase = -1;
    private long phaseStartNanos, phaseSteps;

    private JobConsole(BufferedWriter log, Progress progress) {
        this.log = log;
        this.progress = progress;
    }

    /** Progress of {@code totalSteps} steps named {@code task}, plain lines every {@code plainEvery}; the log if asked for. */
    static JobConsole open(String task, long totalSteps, long plainEvery, Path logJson) throws IOException {
        BufferedWriter log = logJson == null ? null : Files.newBufferedWriter(logJson);
        return new JobConsole(log, Progress.steps(task, totalSteps, plainEvery));
    }

    /** A new log line to fill and {@link #log}. */
    ObjectNode line() {
        return json.createObjectNode();
    }

    /** Appends one line to the log (nothing without {@code --log-json}). */
    void log(ObjectNode line) {
        if (log == null) return;
        try {
            log.write(json.writeValueAsString(line));
            log.newLine();
            log.flush(); // a crash keeps every finished step
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Seconds per step in this process, timed per phase (a run's scales: a larger scale's steps take longer, so each
     * is timed on its own): call once per finished step, with the step's phase and its own seconds.
     */
    double secondsPerStep(int phase, double stepSeconds) {
        long now = System.nanoTime();
        if (phase != timedPhase) {
            timedPhase = phase;
            phaseStartNanos = now - (long) (stepSeconds * 1e9);
            phaseSteps = 0;
        }
        phaseSteps++;
        return (now - phaseStartNanos) / 1e9 / phaseSteps;
    }

    /** Whether a live bar is drawn (stderr is a terminal): it shows elapsed time and ETA itself, on one line. */
    boolean live() {
        return progress.live();
    }

    /** Moves the progress to {@code done} steps with {@code eta} seconds left and a message (short for a live bar). */
    void progress(long done, double eta, String liveMessage, String plainMessage) {
        progress.eta(eta);
        progress.update(done, progress.live() ? liveMessage : plainMessage + "  ETA " + duration(eta));
    }

    /** A status line on stderr between progress lines (plain mode only: a live bar would be broken by it). */
    void say(String message) {
        if (!progress.live()) System.err.println("stylegrad: " + message);
    }

    @Override
    public void close() throws IOException {
        progress.close();
        if (log != null) log.close();
    }

    /** 5s, 3m07s, 2h05m. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
