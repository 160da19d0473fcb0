package dev.stylegrad.style;

import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Lbfgs;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.style.optim.Optimizer;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
 * Defaults are the course's: content relu4_2, style relu1_1..relu5_1 weighted 1, 0.75, 0.2, 0.2, 0.2, content weight 1,
 * style weight 1e6, no total variation, start from the content image, Adam with lr 0.003. {@link #cancel()} stops a
 * run (from any thread) after the current step; the result then holds the image reached so far.
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

    /** The scope StyleObjective's steps take their memory from; destroyed between scales (its buffers have the old size). */
    private static final String STEP_SCOPE = "style-step";

    private final Builder b;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    // The scale the run is at (index into the builder's scales); workingContent() and objective() work at it.
    private int scale;
    // The live run, for snapshot(): set by run(); liveCompleted is -1 while there is no consistent state to give.
    private INDArray liveX;
    private Optimizer liveOptimizer;
    private int liveCompleted = -1;

    private StyleTransfer(Builder b) {
        // Our own copy: later changes to the caller's builder do not reach a built run, and runAlone may set the
        // copy's network for the duration of a multi-scale run.
        this.b = b.copy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks a running {@link #run()} to stop after its current step. Safe from any thread (e.g. a Ctrl-C hook). */
    public void cancel() {
        cancelled.set(true);
    }

    /**
     * The content image at the size the run works at: at the current scale of a multi-scale run (the first before
     * {@link #run()}, the last one reached after it).
     */
    public RgbImage workingContent() {
        return workingContent(scale);
    }

    /** The content image at the working size of scale {@code k} (0-based). */
    public RgbImage workingContent(int k) {
        Integer side = b.side(k);
        return side == null ? b.content : Resampler.fitMaxSide(b.content, side);
    }

    /** The number of scales the run works at (1 unless {@link Builder#scales} gave several). */
    public int scales() {
        return b.stepsPerScale.length;
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
            return runAlone();
        } finally {
            running.set(false);
        }
    }

    private Result runAlone() throws IOException {
        // Several scales each build an objective: load the network once for all of them (into this run's copy of the
        // builder, which objective() reads), not once per scale. One scale leaves it to objective(), as before.
        boolean loadedHere = false;
        if (b.network == null && scales() > 1) {
            LinkedHashSet<String> layers = new LinkedHashSet<>(b.contentLayers.keySet());
            layers.addAll(b.styleLayers.keySet());
            b.network = Vgg.load(b.weights, Vgg.deepestOf(layers), b.pooling).withGradientPrecision(b.precision);
            loadedHere = true;
        }
        try {
            return runScales();
        } finally {
            if (loadedHere) b.network = null;
        }
    }

    private Result runScales() throws IOException {
        long start = System.nanoTime();
        int[] ends = b.scaleEnds();
        int total = ends[ends.length - 1];
        int step = b.startStep;
        scale = b.resumeImage == null ? 0 : resumedScale(step, ends);
        RgbImage content = workingContent();
        Objective objective = objective();

        RgbImage first = content;
        INDArray x = MemoryScope.outside(() -> initialImage(first));
        INDArray lastFinite = MemoryScope.outside(x::dup);
        INDArray beforeStep = MemoryScope.outside(x::dup);
        Optimizer optimizer = b.optimizerFactory();
        if (b.resumeState != null) optimizer.restore(b.resumeState);
        long evaluationsBefore = 0; // of the scales this run finished
        List<Objective.Evaluation> history = new ArrayList<>();
        StopReason reason = StopReason.COMPLETED;
        liveX = x;
        liveOptimizer = optimizer;
        liveCompleted = step;
        for (; step < total; step++) {
            if (cancelled.get()) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (step == ends[scale]) { // this scale is done: on to the next
                if (x.isNaN().any()) break; // NaN pixels are not carried into the next scale (see below)
                // The next scale starts from this scale's final float image, resized: not from the rendered 8-bit
                // image, whose rounding would discard what the optimizer found below one pixel level. The float image
                // is also exactly what a checkpoint keeps, so a run resumed at this boundary upscales the same values.
                int fromW = (int) x.size(3), fromH = (int) x.size(2);
                float[] finalImage = (x.isView() || x.ordering() != 'c' ? x.dup('c') : x).data().asFloat(); // on the heap
                evaluationsBefore += optimizer.evaluations();
                // Free this scale's picture-sized arrays (the image, its two copies, the optimizer's state and the
                // step scopes' pooled buffers) before the next scale, a few times larger, allocates its own. The
                // optimizer is not carried over: a fresh one per scale, as its state (moments, curvature pairs) has
                // this scale's shape.
                liveCompleted = -1;
                liveX = null;
                liveOptimizer = null;
                optimizer.close();
                x.close();
                lastFinite.close();
                beforeStep.close();
                objective = null; // its targets go with the collection objective() starts with
                MemoryScope.destroy(STEP_SCOPE);
                MemoryScope.destroy(TiledStyleObjective.SCOPE);
                scale++;
                content = workingContent();
                objective = objective();
                RgbImage next = content;
                x = MemoryScope.outside(() -> upscaled(finalImage, fromW, fromH, next.width(), next.height()));
                lastFinite = MemoryScope.outside(x::dup);
                beforeStep = MemoryScope.outside(x::dup);
                optimizer = b.optimizerFactory();
                liveX = x;
                liveOptimizer = optimizer;
                liveCompleted = step;
            }
            long t0 = System.nanoTime();
            beforeStep.assign(x);
            Objective.Evaluation e = optimizer.step(x, objective);
            if (!e.isFinite()) {
                liveCompleted = -1; // x goes back a step but the optimizer does not: no consistent state any more
                x.assign(lastFinite);
                history.add(e);
                reason = StopReason.DIVERGED;
                break;
            }
            // The image this step started from had finite losses: it is the newest safe image.
            INDArray swap = lastFinite;
            lastFinite = beforeStep;
            beforeStep = swap;
            history.add(e);
            liveCompleted = step + 1;
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (b.listener != null) {
                int index = step;
                INDArray shown = x;
                RgbImage at = content;
                b.listener.onStep(new Step(index, total, scale, at.maxSide(), e, seconds, evaluationsBefore + optimizer.evaluations(), () -> render(shown, at)));
            }
            // ND4J frees the off-heap memory of an array it made outside our memory scopes (small results, images
            // rendered for saving) only when the GC collects the array, and the JVM rarely collects when the heap is
            // calm: without this, a long run's RSS creeps up (measured: +95 MB over 900 steps at 128², all of it
            // returned by one GC). A collection every 50 steps costs ~10-50 ms.
            if ((step + 1) % GC_EVERY_STEPS == 0) System.gc();
            // Convergence ends the run in its last scale. In an earlier scale the scale's remaining steps pass without
            // moving (a converged optimizer's step only reports the losses where it stopped, at no cost), so every
            // step index stays at the scale the schedule gives it, which log lines and resumes rely on.
            if (optimizer.converged() && scale == ends.length - 1) {
                step++;
                reason = StopReason.CONVERGED;
                break;
            }
        }
        if (reason != StopReason.DIVERGED && x.isNaN().any()) { // a last update that produced NaN pixels
            liveCompleted = -1;
            x.assign(lastFinite);
            reason = StopReason.DIVERGED;
        }
        lastOptimizer = optimizer;
        return new Result(render(x, content), x, history, reason, step, evaluationsBefore + optimizer.evaluations(),
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * The scale a run resumed after {@code completed} steps continues at: the scale of the last completed step (the
     * first scale after none), whose working size the checkpoint's image must have. After a scale's last step, an image
     * of the next scale's size is a snapshot taken once that scale had begun, before its first step.
     */
    private int resumedScale(int completed, int[] ends) {
        int last = ends.length - 1, k = 0;
        while (k < last && ends[k] < completed) k++;
        if (Arrays.equals(b.resumeImage.shape(), imageShape(k))) return k;
        if (k < last && completed == ends[k] && Arrays.equals(b.resumeImage.shape(), imageShape(k + 1))) return k + 1;
        String where = last == 0 ? "this run works at " + Arrays.toString(imageShape(k))
                : String.format(Locale.ROOT, "after %d steps this run is at scale %d of %d (%d px), which works at %s", completed, k + 1, last + 1,
                        workingContent(k).maxSide(), Arrays.toString(imageShape(k)));
        throw new IllegalArgumentException("the resumed image has shape " + Arrays.toString(b.resumeImage.shape()) + " but " + where
                + (last == 0 ? " (another size or content image?)" : " (other scales, another content image, or other steps for an earlier scale?)"));
    }

    private long[] imageShape(int k) {
        RgbImage c = workingContent(k);
        return new long[] {1, 3, c.height(), c.width()};
    }

    /** A [1, 3, toH, toW] float32 image resized from {@code planes} (three fromW×fromH channels, one after the other). */
    private static INDArray upscaled(float[] planes, int fromW, int fromH, int toW, int toH) {
        int n = fromW * fromH, m = toW * toH;
        float[] out = new float[3 * m];
        for (int c = 0; c < 3; c++) {
            float[] plane = Arrays.copyOfRange(planes, c * n, (c + 1) * n);
            System.arraycopy(Resampler.resizePlane(plane, fromW, fromH, toW, toH), 0, out, c * m, m);
        }
        return Nd4j.create(out, new long[] {1, 3, toH, toW}, 'c');
    }

    /**
     * The loss {@link #run()} minimizes, for callers that drive the optimizer step by step themselves (the benchmarks):
     * content targets and style Gram matrices are computed now, at the working size, from this configuration's images,
     * layers and weights. Evaluate it at a normalized image of {@link #workingContent()}'s size.
     *
     * @throws IOException if the weights cannot be read (when no network was given)
     */
    public Objective objective() throws IOException {
        RgbImage content = workingContent();
        int w = content.width(), h = content.height();
        int sw = Math.max(1, (int) Math.round(w * b.styleScale)), sh = Math.max(1, (int) Math.round(h * b.styleScale));
        List<INDArray> styles = new ArrayList<>();
        for (RgbImage s : b.styles) styles.add(normalized(Resampler.resize(s, sw, sh)));
        double[] blend = normalizedBlend();

        Vgg net = b.network;
        if (net == null) {
            LinkedHashSet<String> layers = new LinkedHashSet<>(b.contentLayers.keySet());
            layers.addAll(b.styleLayers.keySet());
            net = Vgg.load(b.weights, Vgg.deepestOf(layers), b.pooling);
        }
        net = net.withGradientPrecision(b.precision);
        int tile = tileSide(net, w, h);
        Objective objective = tile == 0
                ? new StyleObjective(net, normalized(content), styles, blend, b.contentLayers, b.styleLayers, b.contentWeight, b.styleWeight, b.tvWeight)
                : new TiledStyleObjective(net, normalized(content), styles, blend, b.contentLayers, b.styleLayers, b.contentWeight,
                        b.styleWeight, b.tvWeight, tile, TiledStyleObjective.minimumHalo(layerNames()), true,
                        new WindowProgressNotices(this::notice, System::nanoTime, WINDOW_PROGRESS_EVERY_NANOS));
        // ND4J frees an array's off-heap memory only when the GC collects it. Reading weights and resizing images
        // leave such garbage behind (tens to hundreds of MB); one collection here returns it before the steps start,
        // instead of it adding to their peak.
        System.gc();
        return objective;
    }

    private Optimizer lastOptimizer;

    private List<String> layerNames() {
        LinkedHashSet<String> layers = new LinkedHashSet<>(b.contentLayers.keySet());
        layers.addAll(b.styleLayers.keySet());
        return new ArrayList<>(layers);
    }

    /**
     * The owned side of the tiles a {@code w × h} step is computed in, or 0 for untiled, as the builder says or
     * automatically ({@link #automaticTile}); tells the notice sink when it tiles.
     */
    private int tileSide(Vgg net, int w, int h) {
        List<String> layers = layerNames();
        int halo = TiledStyleObjective.minimumHalo(layers), align = TiledStyleObjective.alignment(layers);
        if (b.tile != null) {
            if (b.tile == 0 || TileGrid.of(w, h, b.tile, halo, align).single()) return 0;
            notice(String.format(Locale.ROOT, "computing each %dx%d step in %s", w, h, describeTiles(TileGrid.of(w, h, b.tile, halo, align))));
            return b.tile;
        }
        long available = StepMemory.available();
        int side = automaticTile(w, h, net.widths(), halo, align, available);
        if (side > 0) {
            notice(String.format(Locale.ROOT, "a %dx%d step needs about %s untiled and %s is available: computing it in %s "
                    + "(exact; --tile N chooses the size, --tile off never tiles)", w, h, gigabytes(StepMemory.untiledStep((long) w * h, net.widths())),
                    gigabytes(available), describeTiles(TileGrid.of(w, h, side, halo, align))));
        }
        return side;
    }

    /**
     * Automatic tiling: 0 (untiled) when the estimated step ({@link StepMemory}) fits in 80% of {@code available}
     * bytes; else, among the owned sides (multiples of {@code align}, at least {@link #MIN_AUTO_TILE}) whose tiled
     * step fits, the one that computes the fewest window pixels per step (the halos' overlap is the price of tiling),
     * the larger on a tie.
     *
     * @throws IllegalArgumentException when not even the smallest tiles fit, saying what would
     */
    static int automaticTile(int w, int h, List<Long> widths, int halo, int align, long available) {
        long pixels = (long) w * h;
        if (fits(StepMemory.untiledStep(pixels, widths), available)) return 0;
        // When even the smallest tiles' windows are the whole picture, tiles save nothing: run it whole.
        TileGrid smallestGrid = TileGrid.of(w, h, MIN_AUTO_TILE, halo, align);
        if (smallestGrid.windowWidth() == w && smallestGrid.windowHeight() == h) return 0;
        int best = 0;
        long bestComputed = Long.MAX_VALUE;
        for (int side = (Math.max(w, h) + align - 1) / align * align; side >= MIN_AUTO_TILE; side -= align) {
            TileGrid grid = TileGrid.of(w, h, side, halo, align);
            long window = (long) grid.windowWidth() * grid.windowHeight();
            if (!fits(StepMemory.tiledStep(pixels, window, widths), available)) continue;
            long computed = window * grid.tiles().size();
            if (computed < bestComputed) {
                best = side;
                bestComputed = computed;
            }
        }
        if (best > 0) return best;
        TileGrid smallest = TileGrid.of(w, h, MIN_AUTO_TILE, halo, align);
        throw new IllegalArgumentException(String.format(Locale.ROOT, "a %dx%d picture needs about %s of memory even in %d-px tiles, but only "
                + "%s is available: use a smaller --size (or --scales), or free memory", w, h,
                gigabytes(StepMemory.tiledStep(pixels, (long) smallest.windowWidth() * smallest.windowHeight(), widths)), MIN_AUTO_TILE, gigabytes(available)));
    }

    /**
     * Whether a step estimated at {@code estimate} bytes (the whole process) fits: what it needs beyond the baseline
     * the process already holds (the JVM, the libraries, the weights) within 80% of the {@code available} headroom.
     */
    static boolean fits(long estimate, long available) {
        return estimate - StepMemory.BASELINE_BYTES <= available / 10 * 8;
    }

    /** A tiled pass running longer than this (a print-size step) reports its windows this often, as notices. */
    static final long WINDOW_PROGRESS_EVERY_NANOS = 60_000_000_000L;

    /** Automatic tiling goes no smaller: below this the halo costs more than the tile. */
    static final int MIN_AUTO_TILE = 128;

    private static String describeTiles(TileGrid grid) {
        return String.format(Locale.ROOT, "%d tiles of %d px (windows of %dx%d: a halo of %d px)", grid.tiles().size(), grid.ownedSide(),
                grid.windowWidth(), grid.windowHeight(), grid.halo());
    }

    private static String gigabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    private void notice(String message) {
        if (b.notices != null) b.notices.accept(message);
    }

    static final int GC_EVERY_STEPS = 50;

    /**
     * A copy of the state after the last completed step, for checkpoints: call it from a {@link StepListener} (on the
     * run's thread) or after {@link #run()} returned. Empty before a run and after a divergence, where the image was
     * reset to the last finite one but the optimizer's state was not.
     */
    public Optional<Snapshot> snapshot() {
        if (liveCompleted < 0) return Optional.empty();
        INDArray image = MemoryScope.outside(liveX::dup);
        return Optional.of(new Snapshot(liveCompleted, scale, image, liveOptimizer.state()));
    }

    /** The optimizer of the last {@link #run()} (for checkpoints). */
    public Optimizer optimizer() {
        return lastOptimizer;
    }

    private RgbImage render(INDArray x, RgbImage content) {
        RgbImage out = new RgbImage((int) x.size(3), (int) x.size(2), ImageNet.toPixels(x));
        return b.originalColors ? Colors.keepOriginalColors(out, content) : out;
    }

    private INDArray initialImage(RgbImage content) {
        if (b.resumeImage != null) return b.resumeImage.castTo(DataType.FLOAT).dup('c'); // its shape: resumedScale
        if (b.init instanceof Init.Image i) return normalized(Resampler.resize(i.image(), content.width(), content.height()));
        if (b.init instanceof Init.Random) {
            java.util.Random rng = new java.util.Random(b.seed);
            int[] px = new int[content.width() * content.height()];
            for (int k = 0; k < px.length; k++) px[k] = rng.nextInt(1 << 24);
            return normalized(new RgbImage(content.width(), content.height(), px));
        }
        return normalized(content);
    }

    private static INDArray normalized(RgbImage img) {
        return ImageNet.fromPixels(img.pixels(), img.width(), img.height());
    }

    private double[] normalizedBlend() {
        double[] blend = b.blend != null ? b.blend.clone() : new double[b.styles.size()];
        if (b.blend == null) Arrays.fill(blend, 1.0);
        double sum = Arrays.stream(blend).sum();
        for (int i = 0; i < blend.length; i++) blend[i] /= sum;
        return blend;
    }

    /** Configures a {@link StyleTransfer}; {@link #build()} checks the combination. */
    public static final class Builder implements Cloneable {
        private RgbImage content;
        private List<RgbImage> styles = new ArrayList<>();
        private double[] blend;
        private Path weights;
        private Vgg network;
        private Vgg.Pooling pooling = Vgg.Pooling.MAX;
        private Integer size;
        private int[] scales; // several scales' longer sides; null: the one scale of size
        private double styleScale = 1.0;
        private Map<String, Double> contentLayers = LayerWeights.DEFAULT_CONTENT;
        private Map<String, Double> styleLayers = LayerWeights.DEFAULT_STYLE;
        private double contentWeight = 1, styleWeight = 1e6, tvWeight = 0;
        private int[] stepsPerScale = {500};
        private String optimizer = "adam";
        private Double lr;
        private boolean lineSearch = true;
        private int lbfgsHistory = Lbfgs.DEFAULT_HISTORY;
        private Init init = Init.content();
        private long seed = 0;
        private boolean originalColors;
        private StepListener listener;
        private int startStep;
        private INDArray resumeImage;
        private Map<String, Object> resumeState;
        private Integer tile;
        private java.util.function.Consumer<String> notices;
        private Precision precision = Precision.FP32;

        private Builder() {}

        /**
         * What the gradient's products multiply in (default FP32). {@link Precision#BF16}: the convolutions' input
         * gradients and the Gram matrices' backward read bfloat16 operands and sum in float32; the forward pass (so
         * every loss), the image, its gradient, the style targets and the optimizer state stay float32 (why: {@link
         * Vgg#withGradientPrecision}). It applies to a {@link #network} given here too. {@link #build()} refuses
         * BF16 where the CPU cannot run it.
         */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /**
         * Computes each step in tiles whose owned regions are {@code side} pixels square (rounded up to 16; each is
         * computed with an 80-px halo of context), so memory holds one tile's activations instead of the whole
         * picture's. Exact: the losses and gradient equal the untiled ones to float rounding. {@code 0} never tiles.
         * Default: {@link #tileAuto()}.
         */
        public Builder tile(int side) {
            this.tile = side;
            return this;
        }

        /** Tiles only when the untiled step would not fit in the memory available, choosing the largest tiles that do (default). */
        public Builder tileAuto() {
            this.tile = null;
            return this;
        }

        /**
         * Receives one-line notices about choices the run made by itself (e.g. tiling) and, in tiled steps that run for
         * more than a minute, how many windows a pass has done. Called on the run's thread.
         */
        public Builder notices(java.util.function.Consumer<String> sink) {
            this.notices = sink;
            return this;
        }

        public Builder content(RgbImage image) {
            this.content = Objects.requireNonNull(image, "content");
            return this;
        }

        /** Adds one or more style images (blended; see {@link #styleBlend}). */
        public Builder style(RgbImage... images) {
            for (RgbImage i : images) styles.add(Objects.requireNonNull(i, "style"));
            return this;
        }

        /** Blend weights of the style images, one each (normalized to sum 1). Default: equal. */
        public Builder styleBlend(double... weights) {
            this.blend = weights.clone();
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

        public Builder pooling(Vgg.Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /**
         * Longer side of the working size, for a run at one scale; null keeps the content image's size (no
         * resampling). Replaces an earlier {@link #scales}.
         */
        public Builder size(Integer maxSide) {
            this.size = maxSide;
            this.scales = null;
            return this;
        }

        /**
         * Runs at several scales one after the other, given by their longer sides in pixels (strictly increasing, each
         * at least 16), e.g. {@code scales(512, 1024, 2048)} with {@code steps(300, 150, 60)}: each scale starts from
         * the previous one's result, upscaled, and works on the content and style images resized to its own size
         * (styles: content size times {@link #styleScale}). One value is the same as {@link #size}. Replaces an
         * earlier {@link #size}.
         */
        public Builder scales(int... longerSides) {
            if (longerSides.length == 0) throw new IllegalArgumentException("scales: give at least one longer side");
            this.scales = longerSides.clone();
            this.size = null;
            return this;
        }

        /** Style images are resized to the content's size times this factor. Default 1. */
        public Builder styleScale(double scale) {
            this.styleScale = scale;
            return this;
        }

        public Builder contentLayers(Map<String, Double> layers) {
            this.contentLayers = new LinkedHashMap<>(layers);
            return this;
        }

        public Builder styleLayers(Map<String, Double> layers) {
            this.styleLayers = new LinkedHashMap<>(layers);
            return this;
        }

        public Builder contentWeight(double alpha) {
            this.contentWeight = alpha;
            return this;
        }

        public Builder styleWeight(double beta) {
            this.styleWeight = beta;
            return this;
        }

        public Builder tvWeight(double gamma) {
            this.tvWeight = gamma;
            return this;
        }

        /**
         * Optimization steps (L-BFGS: iterations), one count per scale: {@code steps(500)} for one scale,
         * {@code steps(300, 150, 60)} for three. Default 500. Several scales need at least one step each.
         */
        public Builder steps(int... perScale) {
            this.stepsPerScale = perScale.clone();
            return this;
        }

        /** "adam" (default) or "lbfgs". */
        public Builder optimizer(String name) {
            this.optimizer = name;
            return this;
        }

        /** Learning rate (Adam, default 0.003) or step length (L-BFGS, default 1). */
        public Builder lr(Double lr) {
            this.lr = lr;
            return this;
        }

        /** L-BFGS only: strong-Wolfe line search (default true) or fixed steps of {@link #lr}. */
        public Builder lineSearch(boolean on) {
            this.lineSearch = on;
            return this;
        }

        /**
         * L-BFGS only: the curvature pairs kept (default 100). Each pair is two picture-sized float32 arrays, so at
         * print sizes this is the memory that matters: {@link #build()} refuses a history that cannot fit.
         */
        public Builder lbfgsHistory(int pairs) {
            this.lbfgsHistory = pairs;
            return this;
        }

        public Builder init(Init init) {
            this.init = Objects.requireNonNull(init);
            return this;
        }

        /** Seed for random initialization. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Keep the content image's colors (luminance-only transfer). */
        public Builder originalColors(boolean on) {
            this.originalColors = on;
            return this;
        }

        public Builder listener(StepListener listener) {
            this.listener = listener;
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

        /**
         * Checks the configuration; every problem is an {@link IllegalArgumentException} saying what to change.
         *
         * @throws UnsupportedOperationException if the {@link #precision} cannot run on this CPU (the reason in one sentence)
         */
        public StyleTransfer build() {
            precision.requireAvailable();
            if (content == null) throw new IllegalArgumentException("no content image");
            if (styles.isEmpty()) throw new IllegalArgumentException("no style image");
            if (weights == null && network == null) throw new IllegalArgumentException("no weights file or network");
            if (blend != null && blend.length != styles.size()) {
                throw new IllegalArgumentException("style blend has " + blend.length + " weights for " + styles.size() + " style images");
            }
            if (blend != null && (Arrays.stream(blend).anyMatch(v -> !(v >= 0) || Double.isInfinite(v)) || Arrays.stream(blend).sum() <= 0)) {
                throw new IllegalArgumentException("style blend weights must be >= 0 with a positive sum, got " + Arrays.toString(blend));
            }
            if (size != null && size < 16) throw new IllegalArgumentException("size must be at least 16 pixels, got " + size);
            checkScales();
            if (!(styleScale > 0) || Double.isInfinite(styleScale)) throw new IllegalArgumentException("style scale must be positive, got " + styleScale);
            if (styleLayers.isEmpty()) throw new IllegalArgumentException("at least one style layer is needed");
            for (double v : new double[] {contentWeight, styleWeight, tvWeight}) {
                if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("loss weights must be finite and >= 0, got " + v);
            }
            if (!optimizer.equals("adam") && !optimizer.equals("lbfgs")) {
                throw new IllegalArgumentException("optimizer must be 'adam' or 'lbfgs', got '" + optimizer + "'");
            }
            if (lr != null && !(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
            if (tile != null && tile != 0 && tile < 16) throw new IllegalArgumentException("tile side must be 0 (untiled) or at least 16 pixels, got " + tile);
            if (lbfgsHistory < 1) throw new IllegalArgumentException("L-BFGS history must be at least 1, got " + lbfgsHistory);
            checkImagesReachTheLayers();
            if (optimizer.equals("lbfgs")) { // at the largest scale, the last
                int[] wh = workingSize(stepsPerScale.length - 1);
                MemoryCheck.checkLbfgs(lbfgsHistory, wh[0], wh[1], "L-BFGS history");
            }
            return new StyleTransfer(this);
        }

        /** One step count per scale, scales at least 16 px and growing, steps >= 0 (several scales: >= 1 each). */
        private void checkScales() {
            int n = scales == null ? 1 : scales.length;
            if (stepsPerScale.length != n) {
                throw new IllegalArgumentException(n == 1
                        ? "one scale takes one step count, got " + stepsPerScale.length + " (" + list(stepsPerScale) + "); several counts need as many scales"
                        : n + " scales (" + list(scales) + " px) need " + n + " step counts, one per scale, got " + stepsPerScale.length + " (" + list(stepsPerScale) + ")");
            }
            for (int k = 0; k < n; k++) {
                int s = stepsPerScale[k];
                if (s < 0) throw new IllegalArgumentException("steps must be >= 0, got " + s);
                if (s == 0 && n > 1) {
                    throw new IllegalArgumentException("every scale needs at least one step, but scale " + (k + 1) + " (" + scales[k]
                            + " px) has 0: leave the scale out instead");
                }
                if (scales == null) continue;
                if (scales[k] < 16) throw new IllegalArgumentException("scales must be at least 16 pixels, got " + scales[k]);
                if (k > 0 && scales[k] <= scales[k - 1]) {
                    throw new IllegalArgumentException("scales must grow from one to the next, got " + list(scales) + " (scale " + (k + 1) + ", "
                            + scales[k] + " px, is not larger than scale " + k + ", " + scales[k - 1] + " px)");
                }
            }
        }

        private static String list(int[] values) {
            return Arrays.stream(values).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
        }

        /** The longer side of scale k, or null for the content's own size. */
        Integer side(int k) {
            return scales != null ? Integer.valueOf(scales[k]) : size;
        }

        /** {width, height} of the content at scale k. */
        private int[] workingSize(int k) {
            Integer side = side(k);
            return Resampler.fitMaxSideDimensions(content.width(), content.height(), side == null ? content.maxSide() : side);
        }

        /** The step count after each scale: cumulative sums of the steps per scale. */
        int[] scaleEnds() {
            int[] ends = new int[stepsPerScale.length];
            for (int k = 0, sum = 0; k < ends.length; k++) ends[k] = sum += stepsPerScale[k];
            return ends;
        }

        /** A copy (arrays and maps are replaced, never changed, by the setters, so sharing them is safe; the style list is copied). */
        Builder copy() {
            try {
                Builder c = (Builder) super.clone();
                c.styles = new ArrayList<>(styles);
                return c;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        /** Refuses, before any work, images that a very long or thin shape makes too small at the working size. */
        private void checkImagesReachTheLayers() {
            LinkedHashSet<String> layers = new LinkedHashSet<>(contentLayers.keySet());
            layers.addAll(styleLayers.keySet());
            String deepest = Vgg.deepestOf(layers);
            int min = Vgg.minimumSide(deepest);
            int[] working = workingSize(0); // the first scale is the smallest
            checkSide("content image", content, working[0], working[1], min, deepest);
            for (int k = 0; k < styles.size(); k++) {
                int sw = Math.max(1, (int) Math.round(working[0] * styleScale)), sh = Math.max(1, (int) Math.round(working[1] * styleScale));
                checkSide("style image " + (k + 1), styles.get(k), sw, sh, min, deepest);
            }
        }

        private void checkSide(String what, RgbImage original, int w, int h, int min, String deepest) {
            if (w >= min && h >= min) return;
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the %s (%dx%d) is worked on at %dx%d, but VGG19 needs at least %dx%d pixels to reach %s (each pooling halves it): "
                            + "use a larger %s%s, or crop the image to a less extreme aspect ratio",
                    what, original.width(), original.height(), w, h, min, min, deepest, scales == null ? "--size" : "first scale",
                    what.startsWith("style") ? " or --style-scale" : ""));
        }

        Optimizer optimizerFactory() {
            return optimizer.equals("adam") ? new Adam(lr == null ? 0.003 : lr) : new Lbfgs(lr == null ? 1.0 : lr, lbfgsHistory, lineSearch);
        }
    }
}
