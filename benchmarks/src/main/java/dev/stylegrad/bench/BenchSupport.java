package dev.stylegrad.bench;

import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Small helpers the benchmarks share. */
final class BenchSupport {
    private BenchSupport() {}

    private static volatile boolean reported;

    /** Prints the ND4J backend line (native build, threads) to stderr, once per JVM, so every log says what ran. */
    static void reportBackendOnce() {
        if (!reported) {
            reported = true;
            System.err.println("# " + Backend.current().report());
        }
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Peak resident set size of this process in bytes ({@code VmHWM} in /proc/self/status), or -1 where that file
     * does not exist (not Linux).
     */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * This process's counters from /proc/self/stat: {minor page faults, user CPU seconds, system CPU seconds}, or
     * null where that file does not exist (not Linux). Clock ticks are taken as 100 per second (Linux's USER_HZ).
     */
    static double[] processCounters() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state); minflt is field 10, utime 14, stime 15.
            return new double[] {Long.parseLong(f[7]), Long.parseLong(f[11]) / 100.0, Long.parseLong(f[12]) / 100.0};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
