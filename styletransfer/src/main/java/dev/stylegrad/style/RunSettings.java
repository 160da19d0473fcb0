package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Lbfgs;
import dev.stylegrad.style.optim.Optimizer;
import dev.stylegrad.tensor.Precision;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleFunction;

/**
 * Every setting that decides what a style-transfer run computes, with its default and its check in one place:
 * {@link Builder#build()} validates them all at once, before any work, so the library and the command line refuse
 * the same things with the same sentences (worded for a library user or for the command line, {@link
 * Schedule.Wording}). Immutable; the inputs (content, styles, weights, starting image) and the run's listeners are
 * the {@link StyleTransfer} builder's.
 *
 * <p>{@link #options} lists the settings under their command-line names, the one table the fingerprint of a
 * checkpoint ({@link #fingerprint}) and the command line's help defaults come from.
 */
public final class RunSettings {
    /** Names of the two optimizers. */
    public static final String ADAM = "adam", LBFGS = "lbfgs";
    private static final double[] DEFAULT_ADAM_BETAS = {Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2};

    private final Builder b;
    private final Schedule schedule;
    private final TilePolicy tile;

    private RunSettings(Builder b, Schedule schedule) {
        this.b = b.copy();
        this.schedule = schedule;
        this.tile = b.tile;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The settings a builder starts from. */
    public static RunSettings defaults() {
        return DEFAULTS;
    }

    private static final RunSettings DEFAULTS = new Builder().build();

    public Schedule schedule() {
        return schedule;
    }

    public double styleScale() {
        return b.styleScale;
    }

    /** The style images' blend weights as given (null: equal). */
    public double[] styleBlend() {
        return b.blend == null ? null : b.blend.clone();
    }

    /** The blend weights of {@code styles} style images, normalized to sum 1 (equal unless given). */
    public double[] normalizedBlend(int styles) {
        double[] blend = b.blend != null ? b.blend.clone() : new double[styles];
        if (b.blend == null) Arrays.fill(blend, 1.0);
        double sum = Arrays.stream(blend).sum();
        for (int i = 0; i < blend.length; i++) blend[i] /= sum;
        return blend;
    }

    public Map<String, Double> contentLayers() {
        return b.contentLayers;
    }

    public Map<String, Double> styleLayers() {
        return b.styleLayers;
    }

    /** Every layer a loss reads, content layers first, each once. */
    public List<String> lossLayers() {
        LinkedHashSet<String> layers = new LinkedHashSet<>(b.contentLayers.keySet());
        layers.addAll(b.styleLayers.keySet());
        return List.copyOf(layers);
    }

    /** The deepest layer a loss reads: the network is loaded and run up to it. */
    public String deepestLayer() {
        return Vgg.deepestOf(lossLayers());
    }

    public double contentWeight() {
        return b.contentWeight;
    }

    public double styleWeight() {
        return b.styleWeight;
    }

    public double tvWeight() {
        return b.tvWeight;
    }

    /** {@link #ADAM} or {@link #LBFGS}. */
    public String optimizer() {
        return b.optimizer;
    }

    /** The learning rate as given (null: the optimizer's default, {@link #learningRate}). */
    public Double lr() {
        return b.lr;
    }

    /** The learning rate used: as given, else Adam's 0.003 or L-BFGS's step length 1. */
    public double learningRate() {
        return b.lr != null ? b.lr : b.optimizer.equals(ADAM) ? Adam.DEFAULT_LR : 1.0;
    }

    /** Adam's β1 and β2 (the decay rates of its moment estimates). */
    public double[] adamBetas() {
        return b.adamBetas.clone();
    }

    public boolean lineSearch() {
        return b.lineSearch;
    }

    public int lbfgsHistory() {
        return b.lbfgsHistory;
    }

    /** A new optimizer of these settings (one per scale: its state has the scale's shape). */
    public Optimizer newOptimizer() {
        return b.optimizer.equals(ADAM) ? new Adam(learningRate(), b.adamBetas[0], b.adamBetas[1], Adam.DEFAULT_EPS)
                : new Lbfgs(learningRate(), b.lbfgsHistory, b.lineSearch);
    }

    public long seed() {
        return b.seed;
    }

    public Vgg.Pooling pooling() {
        return b.pooling;
    }

    public boolean originalColors() {
        return b.originalColors;
    }

    public TilePolicy tile() {
        return tile;
    }

    public Precision precision() {
        return b.precision;
    }

    /**
     * Refuses L-BFGS whose history cannot fit in the memory available at the largest scale (the last) of content of
     * {@code width × height} pixels; nothing for Adam.
     *
     * @throws IllegalArgumentException saying what L-BFGS needs, what is available and which history would fit
     */
    public void checkLbfgsFits(int width, int height) {
        if (!b.optimizer.equals(LBFGS)) return;
        int[] wh = schedule.workingSize(schedule.scales() - 1, width, height);
        MemoryCheck.checkLbfgs(b.lbfgsHistory, wh[0], wh[1], b.wording == Schedule.Wording.COMMAND_LINE ? "--lbfgs-history" : "L-BFGS history");
    }

    /** How messages about these settings name them. */
    public Schedule.Wording wording() {
        return b.wording;
    }

    /** A builder holding these settings, to change some. */
    public Builder toBuilder() {
        return b.copy();
    }

    /**
     * The settings by their command-line names, as {@code stylegrad run} spells their values ({@code numbers} formats
     * the numbers): one scale as {@code --size} (however given), several as {@code --scales}; {@code --steps};
     * L-BFGS's own settings only with L-BFGS; {@code --tile} only when not {@code auto}.
     */
    public Map<String, String> options(DoubleFunction<String> numbers) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("--style-blend", b.blend == null ? "equal" : SettingsText.join(b.blend, numbers));
        int[] sides = schedule.sides();
        if (sides == null) v.put("--size", "content");
        else if (sides.length == 1) v.put("--size", Integer.toString(sides[0]));
        else v.put("--scales", Schedule.list(sides));
        v.put("--steps", Schedule.list(schedule.steps()));
        v.put("--style-scale", numbers.apply(b.styleScale));
        v.put("--content-layers", LayerWeights.format(b.contentLayers, numbers));
        v.put("--style-layers", LayerWeights.format(b.styleLayers, numbers));
        v.put("--content-weight", numbers.apply(b.contentWeight));
        v.put("--style-weight", numbers.apply(b.styleWeight));
        v.put("--tv-weight", numbers.apply(b.tvWeight));
        v.put("--optimizer", b.optimizer);
        v.put("--lr", b.lr == null ? "default" : numbers.apply(b.lr));
        if (b.optimizer.equals(ADAM)) v.put("--adam-betas", SettingsText.join(b.adamBetas, numbers));
        if (b.optimizer.equals(LBFGS)) {
            v.put("--line-search", Boolean.toString(b.lineSearch));
            v.put("--lbfgs-history", Integer.toString(b.lbfgsHistory));
        }
        v.put("--seed", Long.toString(b.seed));
        v.put("--pooling", b.pooling.name().toLowerCase(Locale.ROOT));
        v.put("--original-colors", Boolean.toString(b.originalColors));
        v.put("--tile", tile.cliName());
        v.put("--precision", b.precision.cliName());
        return v;
    }

    /**
     * Settings added after checkpoints existed, with the value every earlier checkpoint ran with: a fingerprint records
     * them only when changed, so those checkpoints still resume. (Tiles change the order of the sums: a resume with
     * other tiles would be equal only to float rounding, not bit for bit, so they are recorded.)
     */
    private static final Map<String, String> RECORDED_WHEN_CHANGED = Map.of("--tile", "auto", "--adam-betas", SettingsText.join(DEFAULT_ADAM_BETAS, Double::toString));

    /**
     * The settings that decide the result, for checkpoints: {@link #options} with numbers in Java's canonical form (so
     * {@code 1e6} equals {@code 1000000}), without {@code --steps} (a resume may raise them; the steps of completed
     * scales are checked against the checkpoint's own record).
     */
    public Map<String, String> fingerprint() {
        Map<String, String> v = options(Double::toString);
        v.remove("--steps");
        RECORDED_WHEN_CHANGED.forEach((key, unchanged) -> v.remove(key, unchanged));
        return v;
    }

    /** Collects settings; {@link #build()} checks them all. Every setting starts at its default. */
    public static final class Builder implements Cloneable {
        private Integer size;
        private int[] scales; // several scales' longer sides; null: the one scale of size
        private int[] steps = {DEFAULT_STEPS};
        private double styleScale = 1.0;
        private double[] blend;
        private Map<String, Double> contentLayers = LayerWeights.DEFAULT_CONTENT;
        private Map<String, Double> styleLayers = LayerWeights.DEFAULT_STYLE;
        private double contentWeight = 1, styleWeight = 1e6, tvWeight = 0;
        private String optimizer = ADAM;
        private Double lr;
        private double[] adamBetas = DEFAULT_ADAM_BETAS;
        private boolean lineSearch = true;
        private int lbfgsHistory = Lbfgs.DEFAULT_HISTORY;
        private long seed;
        private Vgg.Pooling pooling = Vgg.Pooling.MAX;
        private boolean originalColors;
        private TilePolicy tile = TilePolicy.auto();
        private Precision precision = Precision.FP32;
        private Schedule.Wording wording = Schedule.Wording.LIBRARY;

        /** Steps of a one-scale run when none are given. */
        static final int DEFAULT_STEPS = 500;

        private Builder() {}

        /** Longer side of the working size, for a run at one scale; null keeps the content's own size. Replaces {@link #scales}. */
        public Builder size(Integer maxSide) {
            this.size = maxSide;
            this.scales = null;
            return this;
        }

        /** Several scales, growing (each at least 16 px), with one {@link #steps} count per scale. Replaces {@link #size}. */
        public Builder scales(int... longerSides) {
            if (longerSides.length == 0) throw new SettingsException("scales: give at least one longer side");
            this.scales = longerSides.clone();
            this.size = null;
            return this;
        }

        /** Optimization steps (L-BFGS: iterations), one count per scale. Default 500. */
        public Builder steps(int... perScale) {
            this.steps = perScale.clone();
            return this;
        }

        /** Style images are resized to the content's size times this factor. Default 1. */
        public Builder styleScale(double scale) {
            this.styleScale = scale;
            return this;
        }

        /** Blend weights of the style images, one each (normalized to sum 1). Default: equal. */
        public Builder styleBlend(double... weights) {
            this.blend = weights == null ? null : weights.clone();
            return this;
        }

        public Builder contentLayers(Map<String, Double> layers) {
            this.contentLayers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
            return this;
        }

        public Builder styleLayers(Map<String, Double> layers) {
            this.styleLayers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
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

        /** {@link #ADAM} (default) or {@link #LBFGS}, any case. */
        public Builder optimizer(String name) {
            this.optimizer = Objects.requireNonNull(name, "optimizer").toLowerCase(Locale.ROOT);
            return this;
        }

        /** Learning rate (Adam, default 0.003) or step length (L-BFGS, default 1); null for the default. */
        public Builder lr(Double lr) {
            this.lr = lr;
            return this;
        }

        /** Adam only: the decay rates of its first and second moment estimates, each in [0, 1). Default 0.9, 0.999. */
        public Builder adamBetas(double... betas) {
            this.adamBetas = betas == null ? DEFAULT_ADAM_BETAS : betas.clone();
            return this;
        }

        /** L-BFGS only: strong-Wolfe line search (default true) or fixed steps of {@link #lr}. */
        public Builder lineSearch(boolean on) {
            this.lineSearch = on;
            return this;
        }

        /** L-BFGS only: the curvature pairs kept (default 100), each two picture-sized float32 arrays. */
        public Builder lbfgsHistory(int pairs) {
            this.lbfgsHistory = pairs;
            return this;
        }

        /** Seed for a random starting image. Default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder pooling(Vgg.Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /** Keep the content image's colors (luminance-only transfer). */
        public Builder originalColors(boolean on) {
            this.originalColors = on;
            return this;
        }

        /** Whether and how steps are computed in tiles. Default {@link TilePolicy.Auto}. */
        public Builder tile(TilePolicy policy) {
            this.tile = Objects.requireNonNull(policy);
            return this;
        }

        /** What the gradient's products multiply in (default FP32); BF16 needs a CPU with bfloat16 instructions. */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /** How messages name the settings: as builder methods (default) or as command-line options. */
        public Builder wording(Schedule.Wording wording) {
            this.wording = Objects.requireNonNull(wording);
            return this;
        }

        /**
         * Checks every setting.
         *
         * @throws UnsupportedOperationException if the precision cannot run on this CPU (the reason in one sentence)
         * @throws SettingsException naming the first setting out of range
         * @throws IllegalArgumentException for a layer name VGG19 does not have
         */
        public RunSettings build() {
            boolean cli = wording == Schedule.Wording.COMMAND_LINE;
            String noPrecision = precision.unavailableReason();
            if (noPrecision != null) throw new UnsupportedOperationException(cli ? "--precision " + precision.cliName() + ": " + noPrecision : noPrecision);
            if (blend != null && (Arrays.stream(blend).anyMatch(v -> !(v >= 0) || Double.isInfinite(v)) || Arrays.stream(blend).sum() <= 0)) {
                throw new SettingsException((cli ? "--style-blend" : "style blend") + " weights must be >= 0 with a positive sum, got " + Arrays.toString(blend));
            }
            Schedule schedule = Schedule.of(size, scales, steps, wording);
            if (!(styleScale > 0) || Double.isInfinite(styleScale)) throw new SettingsException((cli ? "--style-scale" : "style scale") + " must be positive, got " + styleScale);
            if (styleLayers.isEmpty()) throw new SettingsException("at least one style layer is needed");
            for (String layer : lossLayers()) LayerWeights.requireKnown(layer);
            for (Map<String, Double> layers : List.of(contentLayers, styleLayers)) {
                for (Map.Entry<String, Double> e : layers.entrySet()) {
                    if (!(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                        throw new SettingsException("layer weight must be a finite number >= 0, got " + e.getKey() + ":" + e.getValue());
                    }
                }
            }
            for (double v : new double[] {contentWeight, styleWeight, tvWeight}) {
                if (!(v >= 0) || Double.isInfinite(v)) throw new SettingsException("loss weights must be finite and >= 0, got " + v);
            }
            if (!optimizer.equals(ADAM) && !optimizer.equals(LBFGS)) {
                throw new SettingsException(cli ? "--optimizer must be adam or lbfgs, got '" + optimizer + "'" : "optimizer must be 'adam' or 'lbfgs', got '" + optimizer + "'");
            }
            if (lr != null && !(lr > 0 && Double.isFinite(lr))) throw new SettingsException((cli ? "--lr" : "learning rate") + " must be positive, got " + lr);
            if (adamBetas.length != 2 || !(adamBetas[0] >= 0 && adamBetas[0] < 1 && adamBetas[1] >= 0 && adamBetas[1] < 1)) {
                throw new SettingsException((cli ? "--adam-betas" : "Adam's betas") + " must be two numbers in [0, 1), got " + Arrays.toString(adamBetas));
            }
            if (lbfgsHistory < 1) throw new SettingsException((cli ? "--lbfgs-history" : "L-BFGS history") + " must be at least 1, got " + lbfgsHistory);
            return new RunSettings(this, schedule);
        }

        private List<String> lossLayers() {
            LinkedHashSet<String> layers = new LinkedHashSet<>(contentLayers.keySet());
            layers.addAll(styleLayers.keySet());
            return List.copyOf(layers);
        }

        Builder copy() {
            try {
                return (Builder) super.clone(); // arrays and maps are replaced, never changed, by the setters
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
