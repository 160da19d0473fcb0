package dev.stylegrad.autograd;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Optional per-op wall-clock accounting for finding where a step's time goes (like a minimal autograd profiler):
 * off unless {@link #enable} is called, when every op's forward and backward adds its elapsed time to a per-thread
 * table keyed by op name. Times are accurate on the CPU backend, whose kernels are synchronous; on CUDA they show
 * launch cost only.
 */
public final class OpTimes {
    private OpTimes() {}

    private static volatile boolean enabled;
    private static final ThreadLocal<Map<String, long[]>> TABLE = ThreadLocal.withInitial(TreeMap::new);

    public static void enable(boolean on) {
        enabled = on;
    }

    static boolean enabled() {
        return enabled;
    }

    static void add(String key, long nanos) {
        long[] e = TABLE.get().computeIfAbsent(key, k -> new long[2]);
        e[0]++;
        e[1] += nanos;
    }

    /** Forgets this thread's table. */
    public static void reset() {
        TABLE.get().clear();
    }

    /** This thread's table, one line per op and direction: calls, total ms; sorted by total time, largest first. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        TABLE.get().entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> sb.append(String.format(Locale.ROOT, "%-24s %6d calls %10.1f ms%n", e.getKey(), e.getValue()[0], e.getValue()[1] / 1e6)));
        return sb.toString();
    }
}
