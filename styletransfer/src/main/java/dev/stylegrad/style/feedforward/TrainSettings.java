package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.SettingsException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleFunction;

/**
 * Every setting that decides what a feed-forward training computes, with the reference's defaults
 * (pytorch/examples' fast_neural_style: VGG16's relu1_2, relu2_2, relu3_3, relu4_3 for style and relu2_2 for content,
 * 256-px pictures in batches of 4, two epochs, Adam at 1e-3, content weight 1e5, style weight 1e10, seed 42) and its
 * checks in one place: {@link Builder#build()} validates them all before any work, for the library and the command line
 * alike. The inputs (loss network, style picture, the pictures' folder, a starting network) are {@link
 * FeedForwardTraining}'s.
 */
public final class TrainSettings {
    private final Builder b;

    private TrainSettings(Builder b) {
        this.b = b.copy();
    }

    public static Builder builder() {
        return new Builder();
    }

    private static final TrainSettings DEFAULTS = new Builder().build();

    /** The settings a builder starts from. */
    public static TrainSettings defaults() {
        return DEFAULTS;
    }

    public Vgg.Architecture lossNetwork() {
        return b.lossNetwork;
    }

    public List<String> styleLayers() {
        return b.styleLayers;
    }

    public String contentLayer() {
        return b.contentLayer;
    }

    /** The style layers and then the content layer: what the loss network must reach. */
    public List<String> lossLayers() {
        List<String> all = new ArrayList<>(b.styleLayers);
        all.add(b.contentLayer);
        return all;
    }

    /** The deepest of {@link #lossLayers} in the loss network's order (it is loaded up to there). */
    public String deepestLayer() {
        List<String> order = b.lossNetwork.layerNames();
        String deepest = null;
        for (String layer : lossLayers()) if (deepest == null || order.indexOf(layer) > order.indexOf(deepest)) deepest = layer;
        return deepest;
    }

    public int imageSize() {
        return b.imageSize;
    }

    public int batchSize() {
        return b.batchSize;
    }

    /** The steps to train for in all (resumed ones count), or null when {@link #epochs} says. */
    public Long steps() {
        return b.steps;
    }

    /** The passes over the pictures, or null when {@link #steps} says. */
    public Integer epochs() {
        return b.steps == null ? b.epochs : null;
    }

    /** The steps the training takes over {@code pictures} training pictures. */
    public long totalSteps(long pictures) {
        return b.steps != null ? b.steps : (long) Math.ceil(b.epochs * (double) pictures / b.batchSize);
    }

    public double learningRate() {
        return b.lr;
    }

    public double contentWeight() {
        return b.contentWeight;
    }

    public double styleWeight() {
        return b.styleWeight;
    }

    /** The side the style picture is resized to (square, as the reference does), or null for its own size. */
    public Integer styleSize() {
        return b.styleSize;
    }

    public long seed() {
        return b.seed;
    }

    /**
     * Refuses these settings when a training step, or the style targets of a style picture of {@code styleWidth ×
     * styleHeight} pixels (resized to {@link #styleSize} when set), cannot fit in the memory available.
     *
     * @throws SettingsException saying what is needed, what is available and which size would fit
     */
    public void checkFits(int styleWidth, int styleHeight) {
        int sw = b.styleSize != null ? b.styleSize : styleWidth, sh = b.styleSize != null ? b.styleSize : styleHeight;
        FeedForwardMemory.checkTraining(b.batchSize, b.imageSize, sw, sh, b.wording == Schedule.Wording.COMMAND_LINE);
    }

    public boolean shuffle() {
        return b.shuffle;
    }

    public Builder toBuilder() {
        return b.copy();
    }

    /** The settings by their command-line names ({@code numbers} formats the numbers). */
    public Map<String, String> options(DoubleFunction<String> numbers) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("--loss-network", b.lossNetwork.name().toLowerCase(Locale.ROOT));
        v.put("--style-size", String.valueOf(b.styleSize));
        v.put("--image-size", String.valueOf(b.imageSize));
        v.put("--batch-size", String.valueOf(b.batchSize));
        if (b.steps != null) v.put("--steps", String.valueOf(b.steps));
        else v.put("--epochs", String.valueOf(b.epochs));
        v.put("--lr", numbers.apply(b.lr));
        v.put("--content-weight", numbers.apply(b.contentWeight));
        v.put("--style-weight", numbers.apply(b.styleWeight));
        v.put("--style-layers", String.join(",", b.styleLayers));
        v.put("--content-layer", b.contentLayer);
        v.put("--seed", String.valueOf(b.seed));
        v.put("--shuffle", String.valueOf(b.shuffle));
        return v;
    }

    /**
     * The settings that decide the result, for checkpoints (a resume must repeat them): named without the dashes, as
     * training checkpoints have always recorded them; the length (steps or epochs) is left out, as a resume may
     * raise it.
     */
    public Map<String, String> fingerprint() {
        Map<String, String> v = new LinkedHashMap<>();
        options(String::valueOf).forEach((k, value) -> {
            if (!k.equals("--steps") && !k.equals("--epochs")) v.put(k.substring(2), value);
        });
        return v;
    }

    /** Collects settings; {@link #build()} checks them all. */
    public static final class Builder implements Cloneable {
        private Vgg.Architecture lossNetwork = Vgg.Architecture.VGG16;
        private List<String> styleLayers = List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3");
        private String contentLayer = "relu2_2";
        private int imageSize = 256, batchSize = 4;
        private Long steps;
        private int epochs = 2;
        private double lr = 1e-3, contentWeight = 1e5, styleWeight = 1e10;
        private Integer styleSize;
        private long seed = 42;
        private boolean shuffle;
        private Schedule.Wording wording = Schedule.Wording.LIBRARY;

        private Builder() {}

        /** The loss network's architecture (VGG16, the reference's, or VGG19); the layer names must be its. */
        public Builder lossNetwork(Vgg.Architecture architecture) {
            this.lossNetwork = Objects.requireNonNull(architecture);
            return this;
        }

        /** Style layers (each Gram term weighted 1, as the reference) and the content layer, by the loss network's names. */
        public Builder layers(List<String> style, String content) {
            this.styleLayers = List.copyOf(style);
            this.contentLayer = Objects.requireNonNull(content);
            return this;
        }

        /** Side of the square training pictures (resized, shorter side, then center-cropped). Default 256. */
        public Builder imageSize(int pixels) {
            this.imageSize = pixels;
            return this;
        }

        /** Default 4. */
        public Builder batchSize(int pictures) {
            this.batchSize = pictures;
            return this;
        }

        /** Train for this many steps in all (resumed steps count), instead of {@link #epochs}. */
        public Builder steps(long count) {
            this.steps = count;
            return this;
        }

        /** Train until this many passes over the pictures are done (default 2); clears {@link #steps}. */
        public Builder epochs(int count) {
            this.epochs = count;
            this.steps = null;
            return this;
        }

        /** Adam's learning rate. Default 1e-3. */
        public Builder learningRate(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder contentWeight(double weight) {
            this.contentWeight = weight;
            return this;
        }

        public Builder styleWeight(double weight) {
            this.styleWeight = weight;
            return this;
        }

        /** Resize the style picture to this many pixels square first, as the reference's {@code --style-size} does. */
        public Builder styleSize(Integer pixels) {
            this.styleSize = pixels;
            return this;
        }

        /** Seeds the new network's initial weights and, with {@link #shuffle}, the picture order. Default 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Take the pictures in a fresh seeded order each epoch instead of sorted path order. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
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
         * @throws SettingsException naming the first setting out of range
         * @throws IllegalArgumentException for a layer name the loss network does not have
         */
        public TrainSettings build() {
            if (steps != null && steps < 1) throw problem("steps", "--steps", "must be at least 1, got " + steps);
            if (epochs < 1) throw problem("epochs", "--epochs", "must be at least 1, got " + epochs);
            if (imageSize < 16) throw problem("the image size", "--image-size", "must be at least 16 pixels, got " + imageSize);
            if (batchSize < 1) throw problem("the batch size", "--batch-size", "must be at least 1, got " + batchSize);
            if (styleSize != null && styleSize < 16) throw problem("the style size", "--style-size", "must be at least 16 pixels, got " + styleSize);
            if (!(lr > 0) || !Double.isFinite(lr)) throw problem("the learning rate", "--lr", "must be a positive number, got " + lr);
            if (!(contentWeight >= 0) || !(styleWeight >= 0) || !Double.isFinite(contentWeight) || !Double.isFinite(styleWeight)) {
                throw wording == Schedule.Wording.COMMAND_LINE ? new SettingsException("--content-weight and --style-weight must be finite and not negative")
                        : new SettingsException("training: the loss weights must be finite and not negative, got content " + contentWeight + ", style " + styleWeight);
            }
            if (styleLayers.isEmpty()) throw problem("style layers", "--style-layers", "must name at least one layer");
            List<String> order = lossNetwork.layerNames();
            List<String> all = new ArrayList<>(styleLayers);
            all.add(contentLayer);
            for (String layer : all) {
                if (!order.contains(layer)) {
                    throw new IllegalArgumentException("no layer " + layer + " in " + lossNetwork.name().toLowerCase(Locale.ROOT) + " (its layers: "
                            + String.join(", ", order) + ")");
                }
            }
            return new TrainSettings(this);
        }

        private SettingsException problem(String libraryName, String option, String what) {
            return new SettingsException(wording == Schedule.Wording.COMMAND_LINE ? option + " " + what : "training: " + libraryName + " " + what);
        }

        Builder copy() {
            try {
                return (Builder) super.clone(); // lists are replaced, never changed, by the setters
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
