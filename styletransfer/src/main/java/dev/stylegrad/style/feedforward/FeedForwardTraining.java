package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains a feed-forward style network (Johnson et al. 2016; pytorch/examples' {@code fast_neural_style}) on a folder
 * of pictures: each step takes the next batch of {@link TrainingImages}, runs one {@link Trainer} step on it and
 * reports its losses to the listener; checkpoints (network, Adam's state, the picture cursor, every step's losses) let
 * a stopped run continue exactly where it was.
 *
 * <pre>{@code
 * Vgg vgg16 = Vgg.load(Vgg.Architecture.VGG16, Path.of("weights/vgg16-397923af.pth"), "relu4_3", Vgg.Pooling.MAX);
 * FeedForwardTraining training = FeedForwardTraining.builder()
 *         .lossNetwork(vgg16).style(ImageFiles.read(Path.of("starry_night.jpg"), ImageFiles.DEFAULT_MAX_PIXELS))
 *         .images(Path.of("photos/")).steps(2000)
 *         .listener(step -> System.out.println(step.index() + " " + step.losses().total()))
 *         .build();
 * TransformerNet net = training.run().network();  // training.cancel() from another thread stops it after a step
 * net.save(Path.of("starry.safetensors"));
 * }</pre>
 *
 * <p>One run at a time per instance: {@link #run} is not reentrant; {@link #cancel} may be called from any thread.
 */
public final class FeedForwardTraining {
    /** One finished step: its number (0-based), its batch's losses before the update, and its wall time. */
    public record Step(long index, Trainer.Losses losses, double seconds, TrainingImages.Position position, TransformerNet network) {}

    /** Told about every finished step, on the training thread. */
    @FunctionalInterface
    public interface Listener {
        void onStep(Step step);

        /** Before the first step of a resumed run: the steps the checkpoint logged (to rewrite a log as one run's). */
        default void onResume(List<LoggedStep> earlier) {}
    }

    public enum StopReason { COMPLETED, CANCELLED, DIVERGED }

    /** One step's losses and wall time, as logged. */
    public record LoggedStep(Trainer.Losses losses, double seconds) {}

    /**
     * How the run ended: the trained network, the steps completed (counted from the first run, resumes included),
     * every step's losses and seconds (resumed ones too) and this process's training seconds. After a divergence the
     * network is the one before the step whose losses were not finite.
     */
    public record Result(TransformerNet network, long steps, StopReason reason, List<LoggedStep> log, double seconds) {}

    private final Settings s;
    private volatile boolean cancelled;

    private FeedForwardTraining(Settings s) {
        this.s = s;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Stops the run after the step in progress (which completes, is reported and checkpointed). Any thread. */
    public void cancel() {
        cancelled = true;
    }

    /**
     * The settings that decide the result (for checkpoints: a resume must repeat them); {@link #run} adds the list of
     * pictures it finds.
     */
    public Fingerprint fingerprint() {
        return s.fingerprint;
    }

    /** Runs the training to its step or epoch count, or until cancelled or the losses stop being finite. */
    public Result run() throws IOException, CheckpointException {
        TrainingImages images = TrainingImages.under(s.images, s.settings.imageSize(), s.maxPixels, s.settings.shuffle() ? s.settings.seed() : null, s.onSkip);
        // The pictures found decide the batches, so a resume must find the same ones (their paths, in order).
        Map<String, String> withPictures = new LinkedHashMap<>(s.fingerprint.values());
        withPictures.put("pictures", images.files().size() + " files, sha256:" + pathsHash(s.images, images.files()));
        Fingerprint fingerprint = new Fingerprint(withPictures);
        TransformerNet net;
        List<LoggedStep> log = new ArrayList<>();
        TrainingCheckpoints.Saved resumed = null;
        if (s.resume != null) {
            resumed = TrainingCheckpoints.read(s.resume);
            List<String> differences = resumed.fingerprint().differences(fingerprint);
            if (!differences.isEmpty()) {
                throw new CheckpointException(s.resume + ": the checkpoint was made with other settings: " + String.join("; ", differences)
                        + " (give the checkpoint's settings, or start a new run without --resume)");
            }
            net = resumed.network();
            log.addAll(resumed.log());
            try {
                images.seek(resumed.position());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(s.resume + ": the checkpoint's picture position does not fit the pictures found (" + e.getMessage() + ")");
            }
        } else {
            net = s.initial != null ? s.initial : TransformerNet.create(TransformerNet.REFERENCE_WIDTHS[0], TransformerNet.REFERENCE_WIDTHS[1],
                    TransformerNet.REFERENCE_WIDTHS[2], s.settings.seed());
        }
        TrainSettings t = s.settings;
        Trainer trainer = new Trainer(net, s.lossNet, s.styleArray(), t.styleLayers(), t.contentLayer(), t.contentWeight(), t.styleWeight(), t.learningRate());
        trainer.runOn(s.runner, s.runner.parallelism());
        if (resumed != null) {
            trainer.restoreOptimizer(resumed.adam());
            if (s.listener != null) s.listener.onResume(List.copyOf(log));
        }
        long step = log.size();
        long lastCheckpoint = resumed != null && s.resume.equals(s.checkpointDir) ? step : -1;
        StopReason reason = StopReason.COMPLETED;
        long start = System.nanoTime();
        while (!finished(step, images)) {
            if (cancelled) {
                reason = StopReason.CANCELLED;
                break;
            }
            long t0 = System.nanoTime();
            Trainer.Losses l;
            try (MemoryScope scope = MemoryScope.open("train-step")) {
                l = trainer.sharded(t.batchSize()) ? stepReadingThere(trainer, images, t.batchSize()) : trainer.step(images.next(t.batchSize()));
            }
            if (!(Double.isFinite(l.total()) && Double.isFinite(l.content()) && Double.isFinite(l.style())) || !trainer.lastStepUpdated()) {
                reason = StopReason.DIVERGED; // the trainer left the network (and Adam) as they were before this batch
                break;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            log.add(new LoggedStep(l, seconds));
            step++;
            if (s.listener != null) s.listener.onStep(new Step(step - 1, l, seconds, images.position(), net));
            if (s.checkpointDir != null && s.checkpointEvery > 0 && step % s.checkpointEvery == 0 && !finished(step, images)) {
                TrainingCheckpoints.write(s.checkpointDir, net, trainer.optimizerState(), images.position(), fingerprint, log);
                lastCheckpoint = step;
            }
        }
        if (s.checkpointDir != null && lastCheckpoint != step && reason != StopReason.DIVERGED) {
            TrainingCheckpoints.write(s.checkpointDir, net, trainer.optimizerState(), images.position(), fingerprint, log);
        }
        return new Result(net, step, reason, List.copyOf(log), (System.nanoTime() - start) / 1e9);
    }

    /**
     * A sharded step whose pictures are read where the shards run (the folder must be at the same path there): a
     * picture found unusable there is marked, and the batch asked for again, so it is the batch {@link
     * TrainingImages#next} would have read here.
     */
    private Trainer.Losses stepReadingThere(Trainer trainer, TrainingImages images, int batchSize) throws IOException {
        while (true) {
            TrainingImages.Position before = images.position();
            List<Path> files = images.nextFiles(batchSize);
            Map<Path, String> unreadable = new LinkedHashMap<>();
            Trainer.Losses l = trainer.step(files, s.settings.imageSize(), s.maxPixels, unreadable);
            if (l != null) return l;
            for (Map.Entry<Path, String> e : unreadable.entrySet()) images.markUnusable(e.getKey(), e.getValue());
            images.seek(before);
        }
    }

    private static String pathsHash(Path folder, List<Path> files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Path f : files) d.update((folder.relativize(f).toString().replace('\\', '/') + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean finished(long step, TrainingImages images) {
        if (s.settings.steps() != null) return step >= s.settings.steps();
        int epochs = s.settings.epochs();
        TrainingImages.Position p = images.position();
        return p.epoch() >= epochs || (p.epoch() == epochs - 1 && p.index() == images.files().size());
    }

    private record Settings(TrainSettings settings, Vgg lossNet, RgbImage style, Path images, TransformerNet initial, Listener listener,
            BiConsumer<Path, String> onSkip, Path checkpointDir, int checkpointEvery, Path resume, long maxPixels, Fingerprint fingerprint, dev.stylegrad.style.StepRunner runner) {
        INDArray styleArray() {
            // As the reference's utils.load_image(style, size): a square of that side, whatever the picture's shape.
            Integer side = settings.styleSize();
            return Pictures.toArray(side == null ? style : dev.stylegrad.style.image.Resampler.resize(style, side, side));
        }
    }

    /**
     * The inputs of a training (loss network, style picture, pictures' folder, starting network, checkpoints) and its
     * settings ({@link TrainSettings}, the reference's defaults; each also settable here, or all at once with {@link
     * #settings}).
     */
    public static final class Builder {
        private Vgg lossNet;
        private RgbImage style;
        private Path images;
        private TransformerNet initial;
        private Listener listener;
        private BiConsumer<Path, String> onSkip = (f, why) -> {};
        private Path checkpointDir, resume;
        private int checkpointEvery = 500;
        private long maxPixels = dev.stylegrad.style.image.ImageFiles.DEFAULT_MAX_PIXELS;
        private dev.stylegrad.style.StepRunner runner = dev.stylegrad.style.StepRunner.HERE;
        private final Map<String, String> extraFingerprint = new LinkedHashMap<>();
        private TrainSettings.Builder settings = TrainSettings.builder();

        private Builder() {}

        /**
         * Where each step's batch is computed: here (the default), or cut into one shard per task slot of a cluster's
         * runner (module {@code spark}); the shards' gradients are added here in a fixed order and Adam runs here, so
         * the result equals this JVM's with the same batch to float rounding. Not a setting: a checkpoint resumes on either.
         */
        public Builder stepRunner(dev.stylegrad.style.StepRunner runner) {
            this.runner = java.util.Objects.requireNonNull(runner, "stepRunner");
            return this;
        }

        /** The loss network (VGG16 for the reference's layers; VGG19 with layers it has), loaded to the deepest layer used. */
        public Builder lossNetwork(Vgg net) {
            this.lossNet = net;
            settings.lossNetwork(net.architecture());
            return this;
        }

        /** The style picture; its Gram matrices are computed once, at its own size or {@link #styleSize}. */
        public Builder style(RgbImage picture) {
            this.style = picture;
            return this;
        }

        /** The folder of training pictures (PNG and JPEG, read recursively in sorted path order). */
        public Builder images(Path folder) {
            this.images = folder;
            return this;
        }

        /** Replaces every setting with {@code s}'s (the setters below change single ones). */
        public Builder settings(TrainSettings s) {
            this.settings = s.toBuilder();
            if (lossNet != null) settings.lossNetwork(lossNet.architecture());
            return this;
        }

        /** {@link TrainSettings.Builder#styleSize}. */
        public Builder styleSize(Integer pixels) {
            settings.styleSize(pixels);
            return this;
        }

        public Builder imageSize(int pixels) {
            settings.imageSize(pixels);
            return this;
        }

        public Builder batchSize(int pictures) {
            settings.batchSize(pictures);
            return this;
        }

        /** {@link TrainSettings.Builder#steps}. */
        public Builder steps(long count) {
            settings.steps(count);
            return this;
        }

        /** {@link TrainSettings.Builder#epochs}. */
        public Builder epochs(int count) {
            settings.epochs(count);
            return this;
        }

        public Builder learningRate(double lr) {
            settings.learningRate(lr);
            return this;
        }

        public Builder contentWeight(double weight) {
            settings.contentWeight(weight);
            return this;
        }

        public Builder styleWeight(double weight) {
            settings.styleWeight(weight);
            return this;
        }

        /** {@link TrainSettings.Builder#layers}. */
        public Builder layers(List<String> style, String content) {
            settings.layers(style, content);
            return this;
        }

        /** {@link TrainSettings.Builder#seed}. */
        public Builder seed(long seed) {
            settings.seed(seed);
            return this;
        }

        /** {@link TrainSettings.Builder#shuffle}. */
        public Builder shuffle(boolean shuffle) {
            settings.shuffle(shuffle);
            return this;
        }

        /** Start from this network (trained further in place) instead of a new one. */
        public Builder initialNetwork(TransformerNet net) {
            this.initial = net;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /** Told once about each picture that cannot be used: the file and why. */
        public Builder onSkippedImage(BiConsumer<Path, String> onSkip) {
            this.onSkip = Objects.requireNonNull(onSkip);
            return this;
        }

        /** Checkpoint to {@code dir} every {@code every} steps (0: only at the end), at the end and when cancelled. */
        public Builder checkpoints(Path dir, int every) {
            this.checkpointDir = dir;
            this.checkpointEvery = every;
            return this;
        }

        /** Continue the run checkpointed in {@code dir}; its settings must be these. */
        public Builder resumeFrom(Path dir) {
            this.resume = dir;
            return this;
        }

        public Builder maxPixels(long pixels) {
            this.maxPixels = pixels;
            return this;
        }

        /** More inputs a resume must repeat, e.g. the loss network's file hash (the builder cannot see it). */
        public Builder fingerprint(String key, String value) {
            extraFingerprint.put(key, value);
            return this;
        }

        /** Checks the settings ({@link TrainSettings.Builder#build}) and the inputs. */
        public FeedForwardTraining build() {
            if (lossNet == null) throw new IllegalStateException("training: no loss network (lossNetwork(Vgg))");
            if (style == null) throw new IllegalStateException("training: no style picture (style(RgbImage))");
            if (images == null) throw new IllegalStateException("training: no training pictures (images(folder))");
            TrainSettings s = settings.build();
            if (checkpointEvery < 0) throw new SettingsException("training: checkpoint every must be 0 or more, got " + checkpointEvery);
            s.checkFits(style.width(), style.height());
            for (String layer : s.lossLayers()) {
                if (!lossNet.availableLayers().contains(layer)) {
                    throw new IllegalArgumentException("training: the loss network has no layer " + layer + " (it was loaded to "
                            + String.join(", ", lossNet.availableLayers()) + ")");
                }
            }
            Map<String, String> fp = new LinkedHashMap<>();
            fp.put("style", "sha256:" + sha256(style));
            fp.put("images", images.toAbsolutePath().normalize().toString());
            fp.putAll(s.fingerprint());
            fp.putAll(extraFingerprint);
            return new FeedForwardTraining(new Settings(s, lossNet, style, images, initial, listener, onSkip, checkpointDir, checkpointEvery,
                    resume, maxPixels, new Fingerprint(fp), runner));
        }

        private static String sha256(RgbImage image) {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(String.format(Locale.ROOT, "%dx%d", image.width(), image.height()).getBytes(StandardCharsets.US_ASCII));
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * image.pixels().length);
                b.asIntBuffer().put(image.pixels());
                d.update(b.array());
                return HexFormat.of().formatHex(d.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
