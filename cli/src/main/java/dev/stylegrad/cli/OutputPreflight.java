package dev.stylegrad.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks, before a run starts, that every file it will write can be written, so a long run does not fail at its end
 * (or at its first save) on a missing directory, a read-only file system or a full disk. Each directory must accept
 * a new file: a small hidden probe is created, written and removed (permission bits alone mislead, e.g. root ignores
 * them but not a read-only mount). Each file system must have room for the planned outputs, estimated from above.
 * Writes during the run are atomic (AtomicFiles), so a disk that fills up later still leaves no partial file.
 */
final class OutputPreflight {
    private OutputPreflight() {}

    /** One file the run will write, and at most how many bytes it will take. */
    record Planned(Path file, long bytes, String what) {}

    static final int PROBE_BYTES = 4096;

    static void check(List<Planned> outputs) throws BadInputException {
        Map<FileStore, List<Planned>> byStore = new LinkedHashMap<>();
        Map<FileStore, Path> storeDir = new LinkedHashMap<>();
        for (Planned p : outputs) {
            Path dir = p.file().toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                throw new BadInputException(p.file() + ": cannot write the " + p.what() + " there: the directory " + dir + " does not exist");
            }
            probe(p, dir);
            try {
                FileStore store = Files.getFileStore(dir);
                byStore.computeIfAbsent(store, s -> new ArrayList<>()).add(p);
                storeDir.putIfAbsent(store, dir);
            } catch (IOException e) {
                throw new BadInputException(p.file() + ": cannot find the file system of " + dir + ": " + e.getMessage());
            }
        }
        for (var e : byStore.entrySet()) {
            long needed = 0;
            StringBuilder list = new StringBuilder();
            for (Planned p : e.getValue()) {
                needed += p.bytes();
                list.append(list.length() == 0 ? "" : ", ").append(p.what()).append(" ~").append(human(p.bytes()));
            }
            long free;
            try {
                free = e.getKey().getUsableSpace();
            } catch (IOException ex) {
                continue; // no figure to check against; the atomic writes still protect the files
            }
            if (free < needed) {
                throw new BadInputException(String.format(Locale.ROOT,
                        "%s: not enough free space for this run's outputs: about %s needed (%s), %s free; free some space or write elsewhere",
                        storeDir.get(e.getKey()), human(needed), list, human(free)));
            }
        }
    }

    private static void probe(Planned p, Path dir) throws BadInputException {
        Path probe = dir.resolve(".stylegrad-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            try (OutputStream out = Files.newOutputStream(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(new byte[PROBE_BYTES]);
            }
        } catch (IOException e) {
            throw new BadInputException(p.file() + ": cannot write the " + p.what() + " in " + dir + ": " + reason(e));
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // nothing more to do: the probe is hidden and tiny
            }
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // Java's messages for errno failures end in the system's own words ("Read-only file system", "No space left on device").
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) m = f.getReason();
        return m;
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1 << 20) return String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1073741824.0);
    }

    /** An upper bound on an 8-bit RGB image file of w×h pixels: raw samples plus headers (PNG's worst case). */
    static long imageBytes(long width, long height) {
        return width * height * 3 + height + 64 * 1024;
    }
}
