package dev.stylegrad.style;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress inside long tiled passes, as notices: a tiled step of a print-size picture can take many minutes with no
 * step line in between. A pass that has run for {@code every} gets a notice ("pass 2 of 2 (gradient): 40 of 88
 * windows, 12m05s"), and then one every {@code every} at most; passes shorter than that stay silent.
 */
final class WindowProgressNotices implements TiledStyleObjective.WindowProgress {
    private final Consumer<String> sink;
    private final LongSupplier nanoClock;
    private final long everyNanos;
    private long passStart, lastNotice;

    WindowProgressNotices(Consumer<String> sink, LongSupplier nanoClock, long everyNanos) {
        this.sink = sink;
        this.nanoClock = nanoClock;
        this.everyNanos = everyNanos;
    }

    @Override
    public void windowsDone(String phase, int done, int total) {
        long now = nanoClock.getAsLong();
        if (done == 0) {
            passStart = now;
            lastNotice = now;
            return;
        }
        if (done < total && now - lastNotice >= everyNanos) {
            lastNotice = now;
            long seconds = (now - passStart) / 1_000_000_000L;
            sink.accept(String.format(Locale.ROOT, "%s: %d of %d windows, %dm%02ds", phase, done, total, seconds / 60, seconds % 60));
        }
    }
}
