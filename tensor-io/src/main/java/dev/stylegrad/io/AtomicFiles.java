package dev.stylegrad.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes files so that a crash, a full disk or an exception never leaves a partial file behind: the content goes to a
 * fresh hidden sibling, is forced to disk, and is renamed over the target in one step. The sibling is created with
 * {@code CREATE_NEW} rather than {@code Files.createTempFile}, so the result gets the usual permissions (umask), not
 * 0600.
 *
 * <p>The sibling is named {@code .<target name>.<pid>-<random>.tmp}, shortened so it fits the file system's 255-byte
 * limit whatever the target's name; a sibling left by a process that no longer runs (killed during its write) is
 * deleted by the next write of the same target. A failed write is reported naming the target, never the sibling.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The longest file name (in bytes) the common file systems take. */
    static final int NAME_LIMIT = 255;
    private static final Pattern OWN_SUFFIX = Pattern.compile("\\.(\\d+)-[0-9a-f]+\\.tmp");

    /** Writes the content to the stream it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        String stem = stem(abs.getFileName().toString());
        removeStale(abs.getParent(), stem);
        Path tmp = abs.resolveSibling(stem + "." + ProcessHandle.current().pid() + "-" + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        boolean done = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (WeightsFormatException e) {
            throw e; // a source the content reads from is at fault, and says so
        } catch (IOException e) {
            throw new IOException(target + ": could not write it (" + reason(e) + ")", e);
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** The hidden prefix of a target's temporary siblings: its name, cut so a sibling's name stays within the limit. */
    static String stem(String targetName) {
        String stem = "." + targetName;
        int room = NAME_LIMIT - ".4194304-ffffffffffffffff.tmp".length() - 8; // pids up to 2^22, and a margin
        byte[] bytes = stem.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= room) return stem;
        int end = room;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) end--; // do not cut a character in two
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** Deletes this target's temporary siblings whose writing process is gone (a kill -9 during a write leaves them). */
    private static void removeStale(Path dir, String stem) {
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(stem))) {
            for (Path p : siblings) {
                Matcher m = OWN_SUFFIX.matcher(p.getFileName().toString().substring(stem.length()));
                if (!m.matches()) continue;
                long pid = Long.parseLong(m.group(1));
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(p);
            }
        } catch (IOException | NumberFormatException e) {
            // Only housekeeping: the write itself reports what matters.
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
