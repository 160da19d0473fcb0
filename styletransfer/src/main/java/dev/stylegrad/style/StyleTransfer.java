package dev.stylegrad.style;

import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gatys et al.'s style transfer as a library call:
 *
 * <pre>{@code
 * StyleTransfer.Result r = StyleTransfer.builder()
 *         .content(photo).style(painting).weights(Path.of("weights/vgg19-dcbb9e9d.pth"))
 *         .size(512).steps(500)
 *         .listener(step -> System.out.println(step.index() + " " + step.losses().total()))
 *         .build().run();
 * ImageFiles.write(r.image(), Path.of("out.png"));
 * }</pre>
 *
 * The settings ({@link RunSettings}: defaults and checks) are the course's unless changed: content relu4_2, style
 * relu1_1..relu5_1 weighted 1, 0.75, 0.2, 0.2, 0.2, content weight 1, style weight 1e6, no total variation, Adam with
 * lr 0.003, starting from the content image. {@link #cancel()} stops a run (from any thread) after the current step;
 * the result then holds the image reached so far.
 *
 * <p>Several scales ({@link Builder#scales}, with {@link Builder#steps} per scale) run one after the other, each at a
 * larger working size: the first starts as a single-scale run does, each later one from the previous scale's final
 * image upscaled, with its own objective (content and styles resized to its size) and a fresh optimizer. Step
 * indices count over all scales.
 *
 * <p>Threads: a built {@code StyleTransfer} is one job and runs on one thread at a time; {@link #run()} called while
 * it is already running elsewhere throws {@link IllegalStateException}. To run several style transfers at once,
 * build one {@code StyleTransfer} per run and call {@link #run()} on each from its own thread; they may share a loaded
 * {@link Vgg} (its weights are only read). Concurrent runs give bit for bit the images and losses they give one
 * after the other (tested on every CI run): every kernel is safe to call from several threads, and each thread has
 * its own memory scope. The listener is called on the run's thread.
 */
public final class StyleTransfer {
    /** Why a run ended. */
    public enum StopReason { COMPLETED, CONVERGED, CANCELLED, DIVERGED }

    /**
     * The outcome: the final image, at the size of the last scale reached (for {@link StopReason#DIVERGED}, that scale's
     * last image whose losses were finite), its normalized tensor, the losses of every step this run took, the steps
     * completed (counted over all scales, a resumed run's earlier ones included), evaluations and timing.
     */
    public record Result(RgbImage image, INDArray normalized, List<Objective.Evaluation> losses, StopReason reason,
                         int steps, long evaluations, double seconds) {}

    /**
     * What a checkpoint needs to continue a run bit-identically: the number of completed steps (over all scales), the
     * scale the image and the optimizer state belong to (0-based), the normalized image exactly as the optimizer sees
     * it, and the optimizer's full state (copies, owned by the caller). The scale follows from the step count and the
     * schedule (the scale of the last completed step), except in one case it is recorded for: a snapshot taken after
     * a scale's last step once the next scale has begun (upscaled image, fresh optimizer), before its first step.
     */
    public record Snapshot(int completedSteps, int scale, INDArray image, Map<String, Object> optimizerState) {}

    /** A tiled pass running longer than this (a print-size step) reports its windows this often, as notices. */
    static final long WINDOW_PROGRESS_EVERY_NANOS = 60_000_000_000L;

    private final Builder in;
    private final RunSettings settings;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile ScaleLoop live; // the run in progress or last run, for snapshot()

    private StyleTransfer(Builder in, RunSettings settings) {
        // Our own copy: later changes to the caller's builder do not reach a built run.
        this.in = in.copy();
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The settings this run was built with. */
    public RunSettings settings() {
        return settings;
    }

    /** Asks a running {@link #run()} to stop after its current step. Safe from any thread (e.g. a Ctrl-C hook). */
    public void cancel() {
        cancelled.set(true);
    }

    boolean cancelled() {
        return cancelled.get();
    }

    /**
     * The content image at the size the run works at: at the current scale of a multi-scale run (the first before
     * {@link #run()}, the last one reached after it).
     */
    public RgbImage workingContent() {
        ScaleLoop loop = live;
        return workingContent(loop == null ? 0 : loop.scale());
    }

    /** The content image at the working size of scale {@code k} (0-based). */
    public RgbImage workingContent(int k) {
        Integer side = settings.schedule().side(k);
        return side == null ? in.content : Resampler.fitMaxSide(in.content, side);
    }

    /** The number of scales the run works at (1 unless {@link Builder#scales} gave several). */
    public int scales() {
        return settings.schedule().scales();
    }

    /**
     * Runs the optimization. Progress goes to the listener only; nothing is printed.
     *
     * @throws IOException if the weights cannot be read
     * @throws IllegalStateException if this instance is already running on another thread (build one per run)
     */
    public Result run() throws IOException {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("this StyleTransfer is already running on another thread: build one StyleTransfer "
                    + "per concurrent run (they may share a Vgg)");
        }
        try {
            // The network is loaded once for all scales (each scale builds its own objective on it).
            Vgg net = network();
            ScaleLoop loop = new ScaleLoop(this, net, in.startStep, in.resumeImage, in.resumeState, in.listener);
            live = loop;
            return loop.run();
        } finally {
            running.set(false);
        }
    }

    /**
     * A copy of the state after the last completed step, for checkpoints: call it from a {@link StepListener} (on the
     * run's thread) or after {@link #run()} returned. Empty before a run and after a divergence, where the image was
     * reset to the last finite one but the optimizer's state was not.
     */
    public Optional<Snapshot> snapshot() {
        ScaleLoop loop = live;
        return loop == null ? Optional.empty() : loop.snapshot();
    }

    /**
     * The loss {@link #run()} minimizes, for callers that drive the optimizer step by step themselves (the benchmarks):
     * content targets and style Gram matrices are computed now, at the working size, from this configuration's images,
     * layers and weights. Evaluate it at a normalized image of {@link #workingContent()}'s size.
     *
     * @throws IOException if the weights cannot be read (when no network was given)
     */
    public Objective objective() throws IOException {
        ScaleLoop loop = live;
        return objective(network(), loop == null ? 0 : loop.scale());
    }

    /** The objective of scale {@code k}, on {@code net}: untiled, or in the tiles {@link TilePlanner} plans. */
    Objective objective(Vgg net, int k) {
        return ScaleObjectives.of(net, workingContent(k), in.styles, settings, in.stepRunner, this::notice);
    }

    /** The network the objectives run on: the given one, or loaded up to the deepest loss layer; in the settings' precision. */
    private Vgg network() throws IOException {
        Vgg net = in.network != null ? in.network : Vgg.load(in.weights, settings.deepestLayer(), settings.pooling());
        return net.withGradientPrecision(settings.precision());
    }

    /** The image a run starts from at scale 0 (or the resumed one): normalized, float32, the content's working size. */
    INDArray initialImage(RgbImage content) {
        if (in.resumeImage != null) return in.resumeImage.castTo(DataType.FLOAT).dup('c'); // its shape: ScaleLoop.resumedScale
        return ScaleObjectives.startingImage(in.init, content, settings.seed());
    }

    /** The normalized image as 8-bit RGB, with the content's colors if the settings ask for them. */
    RgbImage render(INDArray x, RgbImage content) {
        RgbImage out = new RgbImage((int) x.size(3), (int) x.size(2), ImageNet.toPixels(x));
        return settings.originalColors() ? Colors.keepOriginalColors(out, content) : out;
    }

    private void notice(String message) {
        if (in.notices != null) in.notices.accept(message);
    }

    /**
     * Configures a {@link StyleTransfer}: the inputs (content, styles, weights or network, starting image, a checkpoint
     * to resume) and listeners here, the settings in a {@link RunSettings.Builder} (each also settable here, or all at
     * once with {@link #settings}); {@link #build()} checks the combination.
     */
    public static final class Builder implements Cloneable {
        private RgbImage content;
        private List<RgbImage> styles = new ArrayList<>();
        private Path weights;
        private Vgg network;
        private Init init = Init.content();
        private StepListener listener;
        private Consumer<String> notices;
        private StepRunner stepRunner = StepRunner.HERE;
        private int startStep;
        private INDArray resumeImage;
        private Map<String, Object> resumeState;
        private RunSettings.Builder settings = RunSettings.builder();

        private Builder() {}

        public Builder content(RgbImage image) {
            this.content = Objects.requireNonNull(image, "content");
            return this;
        }

        /** Adds one or more style images (blended; see {@link #styleBlend}). */
        public Builder style(RgbImage... images) {
            for (RgbImage i : images) styles.add(Objects.requireNonNull(i, "style"));
            return this;
        }

        /** The weights file to build VGG19 from (read up to the deepest layer the losses need). */
        public Builder weights(Path file) {
            this.weights = file;
            return this;
        }

        /** A network already loaded (deep enough for every loss layer); its pooling is used. */
        public Builder network(Vgg net) {
            this.network = net;
            return this;
        }

        /**
         * Where the windows of tiled scales are computed (default {@link StepRunner#HERE}, this JVM): a cluster's runner
         * (module {@code spark}) spreads them over executors with the same result, bit for bit. Untiled scales always
         * run here. Not part of the settings: a checkpoint resumes on either.
         */
        public Builder stepRunner(StepRunner runner) {
            this.stepRunner = Objects.requireNonNull(runner, "stepRunner");
            return this;
        }

        /** Where the optimization starts (default: the content image). */
        public Builder init(Init init) {
            this.init = Objects.requireNonNull(init);
            return this;
        }

        public Builder listener(StepListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Receives one-line notices about choices the run made by itself (e.g. tiling) and, in tiled steps that run for
         * more than a minute, how many windows a pass has done. Called on the run's thread.
         */
        public Builder notices(Consumer<String> sink) {
            this.notices = sink;
            return this;
        }

        /**
         * Continues a run from a checkpoint: the image and optimizer state after {@code completedSteps} steps, counted
         * over all scales. The run finds the scale from the schedule ({@link #steps}): the scale of the last completed
         * step, whose working size the image must have (after a scale's last step it may instead have the next
         * scale's size: a snapshot taken there, before that scale's first step). After a scale's last step the run
         * continues with the next scale, upscaling the image.
         */
        public Builder resumeFrom(int completedSteps, INDArray image, Map<String, Object> optimizerState) {
            this.startStep = completedSteps;
            this.resumeImage = image;
            this.resumeState = optimizerState;
            return this;
        }

        /** Replaces every setting with {@code s}'s (the setters below change single ones). */
        public Builder settings(RunSettings s) {
            this.settings = s.toBuilder();
            return this;
        }

        /** Changes settings in place: {@code .settings(s -> s.styleWeight(1e5).optimizer("lbfgs"))}. */
        public Builder settings(Consumer<RunSettings.Builder> change) {
            change.accept(settings);
            return this;
        }

        /** {@link RunSettings.Builder#size}. */
        public Builder size(Integer maxSide) {
            settings.size(maxSide);
            return this;
        }

        /**
         * Runs at several scales one after the other, e.g. {@code scales(512, 1024, 2048)} with {@code steps(300, 150,
         * 60)}: each scale starts from the previous one's result, upscaled, and works on the content and style images
         * resized to its own size. See {@link RunSettings.Builder#scales}.
         */
        public Builder scales(int... longerSides) {
            settings.scales(longerSides);
            return this;
        }

        /** {@link RunSettings.Builder#steps}. */
        public Builder steps(int... perScale) {
            settings.steps(perScale);
            return this;
        }

        /** {@link RunSettings.Builder#styleBlend}. */
        public Builder styleBlend(double... weights) {
            settings.styleBlend(weights);
            return this;
        }

        /** {@link RunSettings.Builder#styleScale}. */
        public Builder styleScale(double scale) {
            settings.styleScale(scale);
            return this;
        }

        public Builder contentLayers(Map<String, Double> layers) {
            settings.contentLayers(layers);
            return this;
        }

        public Builder styleLayers(Map<String, Double> layers) {
            settings.styleLayers(layers);
            return this;
        }

        public Builder contentWeight(double alpha) {
            settings.contentWeight(alpha);
            return this;
        }

        public Builder styleWeight(double beta) {
            settings.styleWeight(beta);
            return this;
        }

        public Builder tvWeight(double gamma) {
            settings.tvWeight(gamma);
            return this;
        }

        /** {@link RunSettings.Builder#optimizer}. */
        public Builder optimizer(String name) {
            settings.optimizer(name);
            return this;
        }

        /** {@link RunSettings.Builder#lr}. */
        public Builder lr(Double lr) {
            settings.lr(lr);
            return this;
        }

        /** {@link RunSettings.Builder#lineSearch}. */
        public Builder lineSearch(boolean on) {
            settings.lineSearch(on);
            return this;
        }

        /**
         * L-BFGS only: the curvature pairs kept (default 100). Each pair is two picture-sized float32 arrays, so at
         * print sizes this is the memory that matters: {@link #build()} refuses a history that cannot fit.
         */
        public Builder lbfgsHistory(int pairs) {
            settings.lbfgsHistory(pairs);
            return this;
        }

        /** Seed for random initialization. */
        public Builder seed(long seed) {
            settings.seed(seed);
            return this;
        }

        public Builder pooling(Vgg.Pooling pooling) {
            settings.pooling(pooling);
            return this;
        }

        /** Keep the content image's colors (luminance-only transfer). */
        public Builder originalColors(boolean on) {
            settings.originalColors(on);
            return this;
        }

        /**
         * Computes each step in tiles whose owned regions are {@code side} pixels square (rounded up to 16; each is
         * computed with an 80-px halo of context), so memory holds one tile's activations instead of the whole
         * picture's. Exact: the losses and gradient equal the untiled ones to float rounding. {@code 0} never tiles.
         * Default: {@link #tileAuto()}.
         */
        public Builder tile(int side) {
            settings.tile(TilePolicy.side(side));
            return this;
        }

        /** Tiles only when the untiled step would not fit in the memory available, choosing the largest tiles that do (default). */
        public Builder tileAuto() {
            settings.tile(TilePolicy.auto());
            return this;
        }

        /**
         * What the gradient's products multiply in (default FP32). {@link Precision#BF16}: the convolutions' input
         * gradients and the Gram matrices' backward read bfloat16 operands and sum in float32; the forward pass (so
         * every loss), the image, its gradient, the style targets and the optimizer state stay float32 (why: {@link
         * Vgg#withGradientPrecision}). It applies to a {@link #network} given here too. {@link #build()} refuses
         * BF16 where the CPU cannot run it.
         */
        public Builder precision(Precision precision) {
            settings.precision(precision);
            return this;
        }

        /**
         * Checks the settings ({@link RunSettings.Builder#build}) and the inputs against them; every problem is an
         * {@link IllegalArgumentException} saying what to change.
         *
         * @throws UnsupportedOperationException if the precision cannot run on this CPU (the reason in one sentence)
         */
        public StyleTransfer build() {
            RunSettings s = settings.build();
            if (content == null) throw new IllegalArgumentException("no content image");
            if (styles.isEmpty()) throw new IllegalArgumentException("no style image");
            if (weights == null && network == null) throw new IllegalArgumentException("no weights file or network");
            double[] blend = s.styleBlend();
            if (blend != null && blend.length != styles.size()) {
                throw new SettingsException("style blend has " + blend.length + " weights for " + styles.size() + " style images");
            }
            InputChecks.imagesReachTheLayers(s, content, styles);
            s.checkLbfgsFits(content.width(), content.height());
            return new StyleTransfer(this, s);
        }

        /** A copy (the settings builder too; the style list is copied). */
        Builder copy() {
            try {
                Builder c = (Builder) super.clone();
                c.styles = new ArrayList<>(styles);
                c.settings = settings.copy();
                return c;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
