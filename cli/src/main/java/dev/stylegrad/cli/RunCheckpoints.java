package dev.stylegrad.cli;

import dev.stylegrad.io.Checksums;
import dev.stylegrad.style.RunSettings;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.checkpoint.Checkpoint;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.style.optim.Lbfgs;
import dev.stylegrad.tensor.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code run}'s checkpoints: the fingerprint a resume must repeat, the checkpoint resumed (checked against it and
 * against the steps given), and writing new ones. The fingerprint is the input files by the sha256 of their bytes
 * (the weights too: about a second for the 548 MiB published file, and a renamed or touched file still matches) and
 * the settings' own ({@link RunSettings#fingerprint}); left out is what only says where or how often to write, how
 * long to run, and on which device or threads.
 */
final class RunCheckpoints {
    /** The directory new checkpoints go to (--checkpoint, else the resumed one), or null. */
    final Path dir;
    final Fingerprint fingerprint;
    /** The checkpoint continued, or null. */
    final Checkpoint resumed;
    private final Path resume;
    private final String optimizer;
    private final int[] steps;
    private int lastWritten;

    private RunCheckpoints(Path checkpoint, Path resume, Fingerprint fingerprint, Checkpoint resumed, RunSettings settings) {
        this.dir = checkpoint != null ? checkpoint : resume;
        this.resume = resume;
        this.fingerprint = fingerprint;
        this.resumed = resumed;
        this.optimizer = settings.optimizer();
        this.steps = settings.schedule().steps();
        // The loaded checkpoint need not be written again when new ones go to the same directory.
        this.lastWritten = resumed != null && sameDir(dir, resume) ? resumed.completedSteps() : -1;
    }

    /**
     * Opens the checkpoints of a run: reads and checks the one to resume, makes sure a new run does not overwrite
     * another run's checkpoint. Nothing is checked or hashed without --checkpoint or --resume.
     *
     * @param inputs the input files' fingerprint entries ({@link #inputs})
     * @throws CheckpointException when the checkpoint is missing, damaged, made with other settings or other steps
     */
    static RunCheckpoints open(Path checkpoint, Path resume, Map<String, String> inputs, RunSettings settings) throws IOException, CheckpointException {
        if (checkpoint == null && resume == null) return new RunCheckpoints(null, null, null, null, settings);
        Map<String, String> v = new LinkedHashMap<>(inputs);
        v.putAll(settings.fingerprint());
        Fingerprint fingerprint = new Fingerprint(v);
        Checkpoint resumed = resume == null ? null : resumable(resume, fingerprint, settings.schedule());
        if (checkpoint != null && !sameDir(checkpoint, resume)) checkFresh(checkpoint);
        return new RunCheckpoints(checkpoint, resume, fingerprint, resumed, settings);
    }

    /** The fingerprint entries of the input files: given by their sha256, the bundled example by its resource name. */
    static Map<String, String> inputs(Path content, List<Path> styles, Path weights, String init, boolean example) throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("--content", example ? "bundled " + RunCommand.EXAMPLE_CONTENT : sha256(content));
        List<String> s = new ArrayList<>();
        if (example) s.add("bundled " + RunCommand.EXAMPLE_STYLE);
        else for (Path p : styles) s.add(sha256(p));
        v.put("--style", String.join(",", s));
        v.put("--weights", sha256(weights));
        v.put("--init", init.equals("content") || init.equals("random") ? init : sha256(Path.of(init)));
        return v;
    }

    /** Writes a checkpoint of the last completed step unless that step is already the checkpoint's; says so if asked. */
    void save(StyleTransfer transfer, List<Checkpoint.LoggedStep> logged, boolean report) {
        StyleTransfer.Snapshot s = transfer.snapshot().orElse(null);
        if (dir == null || s == null || s.completedSteps() == lastWritten) return;
        long t0 = System.nanoTime();
        try {
            CheckpointStore.write(dir, new Checkpoint(s.completedSteps(), s.image(), optimizer, s.optimizerState(), fingerprint,
                    logged.subList(0, s.completedSteps()), s.scale(), steps));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lastWritten = s.completedSteps();
        if (report) System.err.printf(Locale.ROOT, "stylegrad: checkpoint after step %d in %s (%.2f s)%n", s.completedSteps(), dir, (System.nanoTime() - t0) / 1e9);
    }

    /** The checkpoint in {@code dir}, if it was made with the settings given now and fits the steps given. */
    private static Checkpoint resumable(Path dir, Fingerprint given, Schedule schedule) throws CheckpointException {
        Checkpoint c = CheckpointStore.read(dir);
        List<String> differences = upgraded(c.fingerprint(), c.optimizer()).differences(given);
        if (!differences.isEmpty()) {
            throw new CheckpointException("--resume " + dir + ": the checkpoint was made with other settings:\n  "
                    + String.join("\n  ", differences) + "\nGive the checkpoint's values to continue it (--steps may differ),"
                    + " or start a new run without --resume.");
        }
        checkSteps(dir, c, schedule);
        return c;
    }

    /**
     * A resume may raise --steps of the checkpoint's scale and change later ones, but the scales before it ran
     * exactly their steps, and the checkpoint's scale has already run some: a schedule that disagrees would not give
     * the result it describes. Lists each difference, like the fingerprint's.
     */
    private static void checkSteps(Path dir, Checkpoint c, Schedule schedule) throws CheckpointException {
        int[] steps = schedule.steps(), saved = c.stepsPerScale();
        int k = c.scale(), n = schedule.scales();
        List<String> differences = new ArrayList<>();
        if (k >= n) {
            differences.add("the checkpoint is at scale " + (k + 1) + ", given " + n + " scale(s)");
        } else {
            for (int j = 0; j < k; j++) {
                int was = saved != null && j < saved.length ? saved[j] : -1;
                if (was != steps[j]) {
                    differences.add("--steps of scale " + (j + 1) + " (" + schedule.side(j) + " px, completed): checkpoint " + (was < 0 ? "(not recorded)" : was)
                            + ", given " + steps[j]);
                }
            }
            int doneHere = c.completedSteps() - schedule.start(k);
            if (differences.isEmpty() && doneHere > steps[k]) {
                differences.add("--steps of scale " + (k + 1) + (n > 1 ? " (" + schedule.side(k) + " px)" : "") + ": the checkpoint has already run "
                        + doneHere + ", given " + steps[k]);
            }
        }
        if (!differences.isEmpty()) {
            throw new CheckpointException("--resume " + dir + ": the checkpoint's completed steps do not fit the --steps given:\n  "
                    + String.join("\n  ", differences) + "\nGive the checkpoint's step counts for the scales it has completed and at least "
                    + "the steps it has run for its current scale (later scales may change), or start a new run without --resume.");
        }
    }

    /**
     * A checkpoint's fingerprint with what its stylegrad did not record yet filled in: an L-BFGS checkpoint made before
     * --lbfgs-history existed used a history of 100, and every checkpoint made before --precision existed used fp32.
     */
    static Fingerprint upgraded(Fingerprint saved, String optimizer) {
        Map<String, String> v = new LinkedHashMap<>(saved.values());
        if ("lbfgs".equals(optimizer)) v.putIfAbsent("--lbfgs-history", Integer.toString(Lbfgs.DEFAULT_HISTORY));
        v.putIfAbsent("--precision", Precision.FP32.cliName());
        return v.equals(saved.values()) ? saved : new Fingerprint(v);
    }

    /** A new run must not overwrite another run's checkpoint: that is the work --checkpoint exists to keep. */
    private static void checkFresh(Path dir) throws CheckpointException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new CheckpointException("--checkpoint " + dir + ": exists and is not a directory");
        if (CheckpointStore.exists(dir)) {
            throw new CheckpointException("--checkpoint " + dir + ": already holds a checkpoint; continue it with --resume " + dir
                    + ", or give another directory (or delete this one) to start over");
        }
    }

    private static boolean sameDir(Path a, Path b) {
        return a != null && b != null && a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static String sha256(Path file) throws IOException {
        return "sha256:" + Checksums.sha256(file);
    }

    /** The directory checkpoints are resumed from, for messages. */
    Path resumedFrom() {
        return resume;
    }
}
