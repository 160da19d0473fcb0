package dev.stylegrad.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on stderr: a live bar (me.tongfei:progressbar) when stderr is a terminal, otherwise a plain line at most
 * every {@code plainEvery} units and at the end, so logs stay readable. Never writes to stdout.
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream plain;
    private final String task;
    private final long total;
    private final long plainEvery;
    private long lastPrinted = -1;
    private long current;
    private volatile double etaSeconds = Double.NaN; // set by eta(); NaN: the bar's own estimate
    private final java.util.function.LongFunction<String> format;

    private Progress(String task, long total, String unit, long unitSize, long plainEvery) {
        this.task = task;
        this.format = unitSize == 1 ? Long::toString : v -> String.format("%.1f%s", v / (double) unitSize, unit);
        this.total = total;
        this.plainEvery = Math.max(1, plainEvery);
        if (System.console() != null && !"dumb".equals(System.getenv("TERM"))) {
            this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(unit, unitSize)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setEtaFunction(state -> {
                        double eta = etaSeconds;
                        if (!Double.isNaN(eta)) return java.util.Optional.of(java.time.Duration.ofMillis(Math.round(eta * 1000)));
                        long done = state.getCurrent() - state.getStart();
                        if (done <= 0 || state.getMax() <= 0) return java.util.Optional.empty();
                        return java.util.Optional.of(state.getElapsedAfterStart().dividedBy(done).multipliedBy(state.getMax() - state.getCurrent()));
                    }).build();
            this.plain = null;
        } else {
            this.bar = null;
            this.plain = System.err;
        }
    }

    /** Progress in bytes (shown in MiB). */
    static Progress bytes(String task, long totalBytes) {
        return new Progress(task, totalBytes, " MiB", 1 << 20, totalBytes > 0 ? Math.max(1, totalBytes / 20) : 32L << 20); // unknown size: every 32 MiB
    }

    /** Progress in steps; plain mode prints every {@code every} steps. */
    static Progress steps(String task, long totalSteps, long every) {
        return new Progress(task, totalSteps, "", 1, every);
    }

    /** Whether a live bar is drawn (stderr is a terminal); otherwise progress is plain lines. */
    boolean live() {
        return bar != null;
    }

    /**
     * The time left, for a live bar to show instead of its own estimate (which assumes every unit takes as long as the
     * ones so far: not so when later steps run at a larger scale).
     */
    void eta(double seconds) {
        etaSeconds = seconds;
    }

    /** Sets the position and an extra message (losses, say). */
    void update(long position, String message) {
        current = position;
        if (bar != null) {
            if (position > bar.getMax() && bar.getMax() >= 0) bar.maxHint(position);
            bar.stepTo(position);
            if (message != null) bar.setExtraMessage(message);
        } else if (lastPrinted < 0 || position - lastPrinted >= plainEvery || position >= total) {
            lastPrinted = position;
            plain.println(task + ": " + format.apply(position) + (total > 0 ? " / " + format.apply(total) : "") + (message == null ? "" : "  " + message));
        }
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
        else if (lastPrinted != current && current > 0) plain.println(task + ": " + format.apply(current) + (total > 0 ? " / " + format.apply(total) : ""));
    }
}
