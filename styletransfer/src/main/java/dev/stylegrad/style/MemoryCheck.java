package dev.stylegrad.style;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Refuses, before any work, an L-BFGS run whose arrays cannot fit in the memory this process can still get. L-BFGS
 * keeps {@code history} curvature pairs, each two picture-sized float32 arrays: 100 pairs at 4096×3072 px are 30 GB.
 * Only these arrays are counted (the network's activations come on top and depend on the tiling), so a run that
 * passes may still run short; one that fails cannot succeed.
 */
public final class MemoryCheck {
    /**
     * Test hook: {@code -Dstylegrad.test.availableBytes=N} makes {@link #available()} report N bytes, so a test can
     * trigger the refusal without a huge picture.
     */
    public static final String AVAILABLE_PROPERTY = "stylegrad.test.availableBytes";

    /**
     * Picture-sized float32 arrays an L-BFGS run holds besides its history: the optimizer's g, gPrev, xPrev, d and
     * gBest, about two scratch products of its step scope, and the run's image, last finite image and image before
     * the step.
     */
    static final int LBFGS_OTHER_ARRAYS = 10;

    private MemoryCheck() {}

    /** Bytes of one picture-sized float32 array, [1, 3, height, width]. */
    public static long pictureBytes(int width, int height) {
        return 3L * width * height * Float.BYTES;
    }

    /** Bytes of L-BFGS's picture-sized arrays with {@code history} curvature pairs (2·history + 10 arrays). */
    public static long lbfgsBytes(int history, int width, int height) {
        return (2L * history + LBFGS_OTHER_ARRAYS) * pictureBytes(width, height);
    }

    /** The largest history whose arrays fit in {@code bytes} (0 if not even one pair does). */
    public static int largestLbfgsHistory(long bytes, int width, int height) {
        long arrays = bytes / pictureBytes(width, height);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (arrays - LBFGS_OTHER_ARRAYS) / 2));
    }

    /** Memory the process can still allocate, and where that limit comes from. */
    public record Available(long bytes, String source) {}

    /**
     * The least of what is known: {@code MemAvailable} in /proc/meminfo, the cgroup's memory limit minus its usage
     * (a container's limit, which /proc/meminfo does not show), and JavaCPP's {@code maxPhysicalBytes} (where ND4J's
     * native memory stops with "Physical memory usage is too high") minus the process's physical bytes. Empty when
     * none is known (not Linux and no JavaCPP limit).
     */
    public static java.util.Optional<Available> available() {
        String forced = System.getProperty(AVAILABLE_PROPERTY);
        if (forced != null) return java.util.Optional.of(new Available(Long.parseLong(forced.trim()), AVAILABLE_PROPERTY));
        Available best = null;
        long meminfo = memAvailable();
        if (meminfo >= 0) best = new Available(meminfo, "MemAvailable in /proc/meminfo");
        long cgroup = cgroupHeadroom();
        if (cgroup >= 0 && (best == null || cgroup < best.bytes())) best = new Available(cgroup, "the cgroup's memory limit minus its usage");
        try {
            long max = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
            if (max > 0) {
                long headroom = Math.max(0, max - org.bytedeco.javacpp.Pointer.physicalBytes());
                if (best == null || headroom < best.bytes()) {
                    best = new Available(headroom, "JavaCPP's maxPhysicalBytes (" + readable(max) + ", -Dorg.bytedeco.javacpp.maxPhysicalBytes) minus what the process holds");
                }
            }
        } catch (LinkageError e) {
            // JavaCPP's native library is not loadable here: ND4J could not run either, and says so elsewhere.
        }
        return java.util.Optional.ofNullable(best);
    }

    /**
     * Throws an {@link IllegalArgumentException} (one sentence: what L-BFGS needs, what is available, which history
     * fits) when L-BFGS with {@code history} pairs at width×height cannot fit; {@code historyOption} names the setting
     * in the message ({@code --lbfgs-history} or {@code lbfgsHistory}).
     */
    public static void checkLbfgs(int history, int width, int height, String historyOption) {
        Available a = available().orElse(null);
        long need = lbfgsBytes(history, width, height);
        if (a == null || need <= a.bytes()) return;
        int fits = largestLbfgsHistory(a.bytes(), width, height);
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "L-BFGS with %s %d needs %s for its %d picture-sized arrays at %dx%d px (%s each: two per curvature pair, %d more), "
                        + "but only %s is available (%s): %s",
                historyOption, history, readable(need), 2L * history + LBFGS_OTHER_ARRAYS, width, height, readable(pictureBytes(width, height)),
                LBFGS_OTHER_ARRAYS, readable(a.bytes()), a.source(),
                fits >= 1 ? historyOption + " " + fits + " would fit (or use a smaller size, or --optimizer adam)"
                        : "not even " + historyOption + " 1 fits; use a smaller size, or --optimizer adam"));
    }

    /** "12.3 GB", "310 MB", "42 kB" (decimal units, as README.md gives sizes). */
    static String readable(long bytes) {
        if (bytes >= 1_000_000_000L) return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
        if (bytes >= 10_000_000L) return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        if (bytes >= 1_000_000L) return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
    }

    /** MemAvailable in bytes, or -1 if unknown. */
    private static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024; // in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a kernel older than 3.14
        }
        return -1;
    }

    /** The cgroup (v2, else v1) memory limit minus its current usage, or -1 if there is no limit or no cgroup. */
    private static long cgroupHeadroom() {
        for (List<String> files : List.of(List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                List.of("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"))) {
            try {
                String limit = Files.readString(Path.of(files.get(0))).trim();
                if (limit.equals("max")) return -1;
                long max = Long.parseLong(limit);
                if (max >= Long.MAX_VALUE / 4) return -1; // v1 spells "no limit" as a huge number
                return Math.max(0, max - Long.parseLong(Files.readString(Path.of(files.get(1))).trim()));
            } catch (IOException | RuntimeException e) {
                // try the next layout
            }
        }
        return -1;
    }
}
