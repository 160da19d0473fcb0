package dev.stylegrad.style;

import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Lbfgs;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.style.optim.Optimizer;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.vgg.ImageNet;
import dev.stylegrad.vgg.Vgg19;
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
 * <p>Threads: a built {@code StyleTransfer} is one job and runs on one thread at a time; {@link #run()} called while
 * it is already running elsewhere throws {@link IllegalStateException}. To run several style transfers at once,
 * build one {@code StyleTransfer} per run and call {@link #run()} on each from its own thread; they may share a loaded
 * {@link Vgg19} (its weights are only read). Concurrent runs give bit for bit the images and losses they give one
 * after the other (tested on every CI run): every kernel is safe to call from several threads, and each thread has
 * its own memory scope. The listener is called on the run's thread.
 */
public final class StyleTransfer {
    /** Why a run ended. */
    public enum StopReason { COMPLETED, CONVERGED, CANCELLED, DIVERGED }

    /**
     * The outcome: the final image (for {@link StopReason#DIVERGED}, the last image whose losses were finite), its
     * normalized tensor, the losses of every step, and timing.
     */
    public record Result(RgbImage image, INDArray normalized, List<Objective.Evaluation> losses, StopReason reason,
                         int steps, long evaluations, double seconds) {}

    /**
     * What a checkpoint needs to continue a run bit-identically: the number of completed steps, the normalized image
     * exactly as the optimizer sees it, and the optimizer's full state (copies, owned by the caller).
     */
    public record Snapshot(int completedSteps, INDArray image, Map<String, Object> optimizerState) {}

    private final Builder b;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    // The live run, for snapshot(): set by run(); liveCompleted is -1 while there is no consistent state to give.
    private INDArray liveX;
    private Optimizer liveOptimizer;
    private int liveCompleted = -1;

    private StyleTransfer(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks a running {@link #run()} to stop after its current step. Safe from any thread (e.g. a Ctrl-C hook). */
    public void cancel() {
        cancelled.set(true);
    }

    /** The content image at the size the run works at. */
    public RgbImage workingContent() {
        return b.size == null ? b.content : Resampler.fitMaxSide(b.content, b.size);
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
                    + "per concurrent run (they may share a Vgg19)");
        }
        try {
            return runAlone();
        } finally {
            running.set(false);
        }
    }

    private Result runAlone() throws IOException {
        long start = System.nanoTime();
        RgbImage content = workingContent();
        Objective objective = objective();

        INDArray x = MemoryScope.outside(() -> initialImage(content));
        INDArray lastFinite = MemoryScope.outside(x::dup);
        INDArray beforeStep = MemoryScope.outside(x::dup);
        Optimizer optimizer = b.optimizerFactory();
        if (b.resumeState != null) optimizer.restore(b.resumeState);
        List<Objective.Evaluation> history = new ArrayList<>();
        StopReason reason = StopReason.COMPLETED;
        int step = b.startStep;
        liveX = x;
        liveOptimizer = optimizer;
        liveCompleted = step;
        for (; step < b.steps; step++) {
            if (cancelled.get()) {
                reason = StopReason.CANCELLED;
                break;
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
                b.listener.onStep(new Step(index, b.steps, e, seconds, optimizer.evaluations(), () -> render(x, content)));
            }
            // ND4J frees the off-heap memory of an array it made outside our memory scopes (small results, images
            // rendered for saving) only when the GC collects the array, and the JVM rarely collects when the heap is
            // calm: without this, a long run's RSS creeps up (measured: +95 MB over 900 steps at 128², all of it
            // returned by one GC). A collection every 50 steps costs ~10-50 ms.
            if ((step + 1) % GC_EVERY_STEPS == 0) System.gc();
            if (optimizer.converged()) {
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
        return new Result(render(x, content), x, history, reason, step, optimizer.evaluations(), (System.nanoTime() - start) / 1e9);
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

        Vgg19 net = b.network;
        if (net == null) {
            LinkedHashSet<String> layers = new LinkedHashSet<>(b.contentLayers.keySet());
            layers.addAll(b.styleLayers.keySet());
            net = Vgg19.load(b.weights, Vgg19.deepestOf(layers), b.pooling);
        }
        int tile = tileSide(net, w, h);
        Objective objective = tile == 0
                ? new StyleObjective(net, normalized(content), styles, blend, b.contentLayers, b.styleLayers, b.contentWeight, b.styleWeight, b.tvWeight)
                : new TiledStyleObjective(net, normalized(content), styles, blend, b.contentLayers, b.styleLayers, b.contentWeight,
                        b.styleWeight, b.tvWeight, tile, TiledStyleObjective.minimumHalo(layerNames()));
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
    private int tileSide(Vgg19 net, int w, int h) {
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
     * bytes, else the largest owned side (a multiple of {@code align}, at least {@link #MIN_AUTO_TILE}) whose tiled
     * step does.
     *
     * @throws IllegalArgumentException when not even the smallest tiles fit, saying what would
     */
    static int automaticTile(int w, int h, List<Long> widths, int halo, int align, long available) {
        long pixels = (long) w * h, budget = available / 10 * 8;
        if (StepMemory.untiledStep(pixels, widths) <= budget) return 0;
        for (int side = (Math.max(w, h) + align - 1) / align * align; side >= MIN_AUTO_TILE; side -= align) {
            TileGrid grid = TileGrid.of(w, h, side, halo, align);
            if (StepMemory.tiledStep(pixels, (long) grid.windowWidth() * grid.windowHeight(), widths) <= budget) return side;
        }
        TileGrid smallest = TileGrid.of(w, h, MIN_AUTO_TILE, halo, align);
        throw new IllegalArgumentException(String.format(Locale.ROOT, "a %dx%d picture needs about %s of memory even in %d-px tiles, but only "
                + "%s is available: use a smaller --size (or --scales), or free memory", w, h,
                gigabytes(StepMemory.tiledStep(pixels, (long) smallest.windowWidth() * smallest.windowHeight(), widths)), MIN_AUTO_TILE, gigabytes(available)));
    }

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
        return Optional.of(new Snapshot(liveCompleted, image, liveOptimizer.state()));
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
        if (b.resumeImage != null) {
            long[] want = {1, 3, content.height(), content.width()};
            if (!Arrays.equals(b.resumeImage.shape(), want)) {
                throw new IllegalArgumentException("the resumed image has shape " + Arrays.toString(b.resumeImage.shape())
                        + " but this run works at " + Arrays.toString(want) + " (another size or content image?)");
            }
            return b.resumeImage.castTo(DataType.FLOAT).dup('c');
        }
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
    public static final class Builder {
        private RgbImage content;
        private final List<RgbImage> styles = new ArrayList<>();
        private double[] blend;
        private Path weights;
        private Vgg19 network;
        private Vgg19.Pooling pooling = Vgg19.Pooling.MAX;
        private Integer size;
        private double styleScale = 1.0;
        private Map<String, Double> contentLayers = LayerWeights.DEFAULT_CONTENT;
        private Map<String, Double> styleLayers = LayerWeights.DEFAULT_STYLE;
        private double contentWeight = 1, styleWeight = 1e6, tvWeight = 0;
        private int steps = 500;
        private String optimizer = "adam";
        private Double lr;
        private boolean lineSearch = true;
        private Init init = Init.content();
        private long seed = 0;
        private boolean originalColors;
        private StepListener listener;
        private int startStep;
        private INDArray resumeImage;
        private Map<String, Object> resumeState;
        private Integer tile;
        private java.util.function.Consumer<String> notices;

        private Builder() {}

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

        /** Receives one-line notices about choices the run made by itself (e.g. tiling). Called on the run's thread. */
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
        public Builder network(Vgg19 net) {
            this.network = net;
            return this;
        }

        public Builder pooling(Vgg19.Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /** Longer side of the working size; null keeps the content image's size (no resampling). */
        public Builder size(Integer maxSide) {
            this.size = maxSide;
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

        public Builder steps(int steps) {
            this.steps = steps;
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

        /** Continues a run from a checkpoint: the image and optimizer state after {@code completedSteps} steps. */
        public Builder resumeFrom(int completedSteps, INDArray image, Map<String, Object> optimizerState) {
            this.startStep = completedSteps;
            this.resumeImage = image;
            this.resumeState = optimizerState;
            return this;
        }

        /** Checks the configuration; every problem is an {@link IllegalArgumentException} saying what to change. */
        public StyleTransfer build() {
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
            if (!(styleScale > 0) || Double.isInfinite(styleScale)) throw new IllegalArgumentException("style scale must be positive, got " + styleScale);
            if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
            if (styleLayers.isEmpty()) throw new IllegalArgumentException("at least one style layer is needed");
            for (double v : new double[] {contentWeight, styleWeight, tvWeight}) {
                if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("loss weights must be finite and >= 0, got " + v);
            }
            if (!optimizer.equals("adam") && !optimizer.equals("lbfgs")) {
                throw new IllegalArgumentException("optimizer must be 'adam' or 'lbfgs', got '" + optimizer + "'");
            }
            if (lr != null && !(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
            if (tile != null && tile != 0 && tile < 16) throw new IllegalArgumentException("tile side must be 0 (untiled) or at least 16 pixels, got " + tile);
            checkImagesReachTheLayers();
            return new StyleTransfer(this);
        }

        /** Refuses, before any work, images that a very long or thin shape makes too small at the working size. */
        private void checkImagesReachTheLayers() {
            LinkedHashSet<String> layers = new LinkedHashSet<>(contentLayers.keySet());
            layers.addAll(styleLayers.keySet());
            String deepest = Vgg19.deepestOf(layers);
            int min = Vgg19.minimumSide(deepest);
            int[] working = Resampler.fitMaxSideDimensions(content.width(), content.height(), size == null ? content.maxSide() : size);
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
                            + "use a larger --size%s, or crop the image to a less extreme aspect ratio",
                    what, original.width(), original.height(), w, h, min, min, deepest, what.startsWith("style") ? " or --style-scale" : ""));
        }

        Optimizer optimizerFactory() {
            return optimizer.equals("adam") ? new Adam(lr == null ? 0.003 : lr) : new Lbfgs(lr == null ? 1.0 : lr, lineSearch);
        }
    }
}
