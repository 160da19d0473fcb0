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
    private final Path logFile;
    private BufferedWriter log;
    private boolean logFailed;
    private final Progress progress;
    private int timedPhase = -1;
    private long phaseStartNanos, phaseSteps;

    private JobConsole(Path logFile, Progress progress) {
        this.logFile = logFile;
        this.progress = progress;
    }

    /**
     * Progress of {@code totalSteps} steps named {@code task}, plain lines every {@code plainEvery}; the log if asked for.
     * The log file is created (or rewritten) only with its first line, once the run is known to go ahead: a run refused
     * before its first step (a checkpoint that does not match, say) leaves the log of the run it meant to continue as it was.
     */
    static JobConsole open(String task, long totalSteps, long plainEvery, Path logJson) {
        return new JobConsole(logJson, Progress.steps(task, totalSteps, plainEvery));
    }

    /** A new log line to fill and {@link #log}. */
    ObjectNode line() {
        return json.createObjectNode();
    }

    /**
     * Appends one line to the log (nothing without {@code --log-json}). A log that cannot be written (a full disk,
     * /dev/full) is reported once and dropped: the run, its result and its checkpoints matter more than its log.
     */
    void log(ObjectNode line) {
        if (logFile == null || logFailed) return;
        try {
            if (log == null) log = Files.newBufferedWriter(logFile);
            log.write(json.writeValueAsString(line));
            log.newLine();
            log.flush(); // a crash keeps every finished step
        } catch (IOException e) {
            logFailed = true;
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
            System.err.println("stylegrad: --log-json " + logFile + ": could not write it (" + reason + "); the run goes on without its log");
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
        if (log != null && !logFailed) {
            try {
                log.close();
            } catch (IOException e) {
                System.err.println("stylegrad: --log-json " + logFile + ": could not finish writing it (" + e.getMessage() + ")");
            }
        }
    }

    /** 5s, 3m07s, 2h05m. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
