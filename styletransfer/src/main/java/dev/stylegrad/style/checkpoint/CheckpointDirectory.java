package dev.stylegrad.style.checkpoint;

import dev.stylegrad.io.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The crash-safe layout every stylegrad checkpoint directory shares: {@code DIR/CURRENT} holds one line, the name of
 * the complete checkpoint ({@code step-NNNNNNNN-xxxxxxxx/}) beside it. A new checkpoint is written into a fresh
 * sibling ({@link #write}); its files are fsynced, then {@code CURRENT} is replaced atomically and only then is the
 * old one deleted. A crash at any instant leaves {@code CURRENT} naming a complete checkpoint;
 * readers follow {@code CURRENT} only ({@link #current}) and ignore half-written leftovers, which the next commit
 * removes. Nothing else in DIR is touched.
 */
public final class CheckpointDirectory {
    public static final String POINTER = "CURRENT";
    private static final Pattern NAME = Pattern.compile("step-\\d{8}-[0-9a-f]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private CheckpointDirectory() {}

    /** Whether {@code dir} holds a checkpoint (a {@code CURRENT} pointer), complete or not. */
    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve(POINTER));
    }

    /** Writes a checkpoint's files into the fresh directory it is given. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path target) throws IOException;
    }

    /**
     * Writes the checkpoint after {@code step} steps into a fresh directory and makes it DIR's current one (creating
     * DIR if needed); if writing fails, the half-written directory is deleted and the current checkpoint stays.
     */
    public static void write(Path dir, long step, Contents contents) throws IOException {
        Path target = begin(dir, step);
        boolean done = false;
        try {
            contents.writeInto(target);
            done = true;
        } finally {
            if (!done) abandon(target);
        }
        commit(dir, target);
    }

    /**
     * The current checkpoint's JSON manifest {@code name}, parsed.
     *
     * @throws CheckpointException naming the file if it is missing, unreadable or not JSON
     */
    public static com.fasterxml.jackson.databind.JsonNode manifest(Path dir, String name) throws CheckpointException {
        Path file = current(dir).resolve(name);
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw damaged(file, "missing (" + dir.resolve(POINTER) + " names a checkpoint that is not there)");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw damaged(file, "is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw damaged(file, "cannot be read (" + e.getMessage() + ")");
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Creates DIR if needed and a fresh, empty checkpoint directory in it for the state after {@code step} steps. */
    private static Path begin(Path dir, long step) throws IOException {
        Files.createDirectories(dir);
        return Files.createDirectory(dir.resolve(String.format("step-%08d-%08x", step, RANDOM.nextInt())));
    }

    /** Makes {@code target} (from {@link #begin}, its files written) DIR's current checkpoint and removes the old one. */
    private static void commit(Path dir, Path target) throws IOException {
        String name = target.getFileName().toString();
        syncDirectory(target); // the new files' names are durable before CURRENT points at them
        AtomicFiles.write(dir.resolve(POINTER), out -> out.write((name + "\n").getBytes(StandardCharsets.US_ASCII)));
        syncDirectory(dir);
        removeStale(dir, name);
    }

    /** Deletes a checkpoint directory {@link #begin} made whose writing failed. */
    private static void abandon(Path target) throws IOException {
        deleteTree(target);
    }

    /**
     * The directory {@code CURRENT} names.
     *
     * @throws CheckpointException if DIR is not a directory, has no {@code CURRENT} or it names no checkpoint
     */
    public static Path current(Path dir) throws CheckpointException {
        if (!Files.isDirectory(dir)) throw new CheckpointException(dir + ": no such checkpoint directory");
        Path pointer = dir.resolve(POINTER);
        String name;
        try {
            name = Files.readString(pointer, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            throw new CheckpointException(pointer + ": missing, so " + dir + " holds no checkpoint (it is written every"
                    + " --checkpoint-every steps and on Ctrl-C by a run given --checkpoint " + dir + ")");
        } catch (IOException e) {
            throw damaged(pointer, "cannot be read (" + e.getMessage() + ")");
        }
        if (!NAME.matcher(name).matches()) throw damaged(pointer, "expected the name of a checkpoint directory (step-NNNNNNNN-xxxxxxxx), found '" + abbreviate(name) + "'");
        return dir.resolve(name);
    }

    /** A checkpoint that cannot be resumed: the file, what is wrong, and what to do. */
    public static CheckpointException damaged(Path file, String what) {
        return new CheckpointException(file + ": " + what + "; the checkpoint cannot be resumed: resume from an intact copy, or start"
                + " a new run without --resume");
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** fsync of a directory makes the names created in it durable; a platform that cannot open directories skips it. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory; its renames are durable once the file data is.
        }
    }

    /** Removes checkpoint directories other than {@code keep} and AtomicFiles leftovers of CURRENT (crashed writes). */
    private static void removeStale(Path dir, String keep) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                String n = p.getFileName().toString();
                if ((NAME.matcher(n).matches() && !n.equals(keep) && Files.isDirectory(p)) || (n.startsWith("." + POINTER + ".") && n.endsWith(".tmp"))) stale.add(p);
            });
        }
        for (Path p : stale) deleteTree(p);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
