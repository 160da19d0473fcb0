package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.ShippedArray;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.Shared;
import dev.stylegrad.style.StepRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The training step of pytorch/examples' {@code fast_neural_style}, loss for loss: the network stylizes a batch
 * (pixels 0..255); both the batch and the result are divided by 255 and normalized with ImageNet's mean and std
 * before the loss network; content loss = content weight × mean squared difference of the two at the content layer;
 * style loss = style weight × Σ over style layers of the mean squared difference between the result's Gram matrices
 * (normalized by channels × height × width) and the style picture's, computed once; then one Adam step on the
 * network's parameters ({@link ParameterAdam}, as {@code torch.optim.Adam}).
 *
 * <p>With {@link #runOn} a batch is cut into shards computed elsewhere (a Spark cluster); the update stays here.
 *
 * <p>Not thread-safe: it updates the network in place.
 */
public final class Trainer {
    /** The reference's loss layers on VGG16. */
    public static final List<String> STYLE_LAYERS = List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3");
    public static final String CONTENT_LAYER = "relu2_2";

    /** One step's weighted losses, of its batch before the update. */
    public record Losses(double content, double style, double total) {}

    private final TransformerNet net;
    private final Vgg lossNet;
    private final List<String> styleLayers;
    private final String contentLayer;
    private final double contentWeight, styleWeight;
    private final Map<String, INDArray> styleGrams = new LinkedHashMap<>(); // [1, C, C] per style layer
    private final ParameterAdam adam;
    private final INDArray scale, shift; // [1, 3, 1, 1]: x·scale + shift = (x/255 − mean)/std
    private boolean updated;
    private StepRunner runner = StepRunner.HERE;
    private int shards = 1;
    private Shared<LinkedHashMap<String, ShippedArray>> sharedGrams; // made at the first sharded step

    public Trainer(TransformerNet net, Vgg lossNet, INDArray style, List<String> styleLayers, String contentLayer,
            double contentWeight, double styleWeight, double lr) {
        Shapes.requireRank("trainer", "style picture [1, 3, H, W]", style, 4);
        if (net.frozen()) throw new SettingsException("the network is frozen (it was loaded to stylize): load it again to train it");
        this.net = net;
        this.lossNet = lossNet;
        this.styleLayers = List.copyOf(styleLayers);
        this.contentLayer = contentLayer;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.adam = new ParameterAdam(net.parameters(), lr);
        INDArray[] n = normalization();
        scale = n[0];
        shift = n[1];
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Map<String, Tensor> f = lossNet.forward(normalize(Tensor.constant(style.castTo(DataType.FLOAT)), scale, shift), this.styleLayers);
            for (String layer : this.styleLayers) styleGrams.put(layer, MemoryScope.outside(() -> gram(f.get(layer)).value().dup()));
        }
    }

    /**
     * Whether the last {@link #step} updated the network: false when its loss was not finite or its update would have
     * made a parameter or one of Adam's moments NaN or infinite (a diverging run); the network is then as before it.
     */
    public boolean lastStepUpdated() {
        return updated;
    }

    /**
     * One training step on {@code batch} [B, 3, H, W] (pixels 0..255): the losses before the update, then the update;
     * no update when the total loss is not finite or the update would not be ({@link #lastStepUpdated}).
     */
    public Losses step(INDArray batch) {
        Shapes.requireRank("trainer", "batch [B, 3, H, W]", batch, 4);
        updated = false;
        if (!sharded((int) batch.size(0))) {
            Tensor[] l = lossOf(net, batch);
            Losses losses = new Losses(l[0].value().getDouble(0), l[1].value().getDouble(0), l[2].value().getDouble(0));
            if (!Double.isFinite(losses.total())) return losses; // no update from a non-finite loss: the network stays as it was
            l[2].backward();
            updated = adam.step();
            return losses;
        }
        return shardedStep(batch);
    }

    /**
     * The step with its batch cut into {@link #shards} consecutive shards computed on the runner: each shard's loss is
     * the mean over its own pictures, so the batch's loss and gradient are the shards' weighted by their share of the
     * pictures, added on this side in the shards' order (equal to the unsharded step to float rounding).
     */
    private Losses shardedStep(INDArray batch) {
        long b = batch.size(0);
        return shardedStep(b, (from, to) -> new ShardPictures(ShippedArray.of(batch.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(),
                NDArrayIndex.all(), NDArrayIndex.all())), null)).losses;
    }

    /**
     * Whether a batch is computed in shards on another runner ({@link #runOn}): always there, even in one shard (a
     * cluster of one task slot computes the whole batch, this side only updates).
     */
    public boolean sharded(int batchSize) {
        return runner != StepRunner.HERE && batchSize >= 1;
    }

    /**
     * One step on the pictures in {@code files} (absolute paths every machine of the runner sees), read where the
     * shards run, as {@link TrainingImages#next} reads them here. Only when {@link #sharded}.
     *
     * @param side the side of the square training pictures
     * @return the losses; or, when a shard could not read some pictures, null, with those files and why in {@code
     *     unreadable} and the network unchanged: mark them and ask for the batch again ({@link TrainingImages#nextFiles})
     */
    public Losses step(List<Path> files, int side, long maxPixels, Map<Path, String> unreadable) {
        if (!sharded(files.size())) throw new IllegalStateException("pictures are read where the shards run only when the batch is sharded");
        updated = false;
        Map<String, Path> asGiven = new LinkedHashMap<>(); // what the shards name, back to the caller's paths
        for (Path f : files) asGiven.put(f.toAbsolutePath().toString(), f);
        Sharded r = shardedStep(files.size(), (from, to) -> {
            List<String> paths = new ArrayList<>();
            for (Path f : files.subList((int) (long) from, (int) (long) to)) paths.add(f.toAbsolutePath().toString());
            return new ShardPictures(null, new TrainShard.Files(paths, side, maxPixels));
        });
        r.unreadable.forEach((f, why) -> unreadable.put(asGiven.get(f), why));
        return r.unreadable.isEmpty() ? r.losses : null;
    }

    private record Sharded(Losses losses, Map<String, String> unreadable) {}

    /** A shard's pictures: its pixels, or its files. */
    private record ShardPictures(ShippedArray pixels, TrainShard.Files files) {}

    /** The sharded step: {@code pictures.apply(from, to)} gives shard [from, to)'s pictures. */
    private Sharded shardedStep(long b, java.util.function.BiFunction<Long, Long, ShardPictures> pictures) {
        int n = (int) Math.min(shards, b);
        LinkedHashMap<String, ShippedArray> weights = new LinkedHashMap<>();
        long weightBytes = 0;
        for (Map.Entry<String, Tensor> p : net.parameters().entrySet()) {
            ShippedArray w = ShippedArray.of(p.getValue().value());
            weights.put(p.getKey(), w);
            weightBytes += w.bytes();
        }
        if (sharedGrams == null) { // the style's Grams never change: shared once for the whole training
            LinkedHashMap<String, ShippedArray> grams = new LinkedHashMap<>();
            long bytes = 0;
            for (Map.Entry<String, INDArray> g : styleGrams.entrySet()) {
                grams.put(g.getKey(), ShippedArray.of(g.getValue()));
                bytes += grams.get(g.getKey()).bytes();
            }
            sharedGrams = runner.share(grams, bytes);
        }
        Shared<LinkedHashMap<String, ShippedArray>> sharedWeights = runner.share(weights, weightBytes); // once per step, not per shard
        List<TrainShard> tasks = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            long from = b * k / n, to = b * (k + 1) / n;
            ShardPictures shard = pictures.apply(from, to);
            tasks.add(new TrainShard(net.widths(), sharedWeights, shard.pixels(), shard.files(), sharedGrams, styleLayers,
                    contentLayer, contentWeight, styleWeight, (double) (to - from) / b));
        }
        double[] sums = new double[3];
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        try {
            runner.runAll("training shards", lossNet, tasks, r -> {
                unreadable.putAll(r.unreadable());
                for (int k = 0; k < 3; k++) sums[k] += r.losses()[k];
                r.gradients().forEach((name, g) -> gradients.merge(name, g.array(), INDArray::addi));
            });
        } finally {
            sharedWeights.release();
        }
        Losses losses = new Losses(sums[0], sums[1], sums[2]);
        if (!unreadable.isEmpty() || !Double.isFinite(losses.total()) || gradients.isEmpty()) return new Sharded(losses, unreadable);
        updated = adam.step(gradients);
        return new Sharded(losses, unreadable);
    }

    /** Computes the step on this runner, its batches cut into {@code shards} shards (at least 1). */
    public void runOn(StepRunner runner, int shards) {
        if (shards < 1) throw new IllegalArgumentException("trainer: at least one shard per batch, got " + shards);
        this.runner = java.util.Objects.requireNonNull(runner);
        this.shards = shards;
        this.sharedGrams = null;
    }

    /** The weighted content, style and total loss of {@code net} on {@code batch} (mean over its pictures), on the tape. */
    Tensor[] lossOf(TransformerNet net, INDArray batch) {
        return lossOf(net, lossNet, batch, styleGrams, styleLayers, contentLayer, contentWeight, styleWeight, scale, shift);
    }

    static Tensor[] lossOf(TransformerNet net, Vgg lossNet, INDArray batch, Map<String, INDArray> styleGrams, List<String> styleLayers,
                           String contentLayer, double contentWeight, double styleWeight, INDArray scale, INDArray shift) {
        long b = batch.size(0);
        Tensor x = Tensor.constant(batch.castTo(DataType.FLOAT));
        List<String> layers = new ArrayList<>(new LinkedHashSet<>(styleLayers));
        if (!layers.contains(contentLayer)) layers.add(contentLayer);
        Map<String, Tensor> fx;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            fx = lossNet.forward(normalize(x, scale, shift), List.of(contentLayer));
        }
        Map<String, Tensor> fy = lossNet.forward(normalize(net.forward(x), scale, shift), layers);
        Tensor content = Ops.mul(Ops.mse(fy.get(contentLayer), fx.get(contentLayer)), contentWeight);
        Tensor style = null;
        for (String layer : styleLayers) {
            INDArray target = styleGrams.get(layer);
            INDArray tiled = b == 1 ? target : target.repeat(0, b);
            Tensor term = Ops.mse(gram(fy.get(layer)), Tensor.constant(tiled));
            style = style == null ? term : Ops.add(style, term);
        }
        style = Ops.mul(style, styleWeight);
        return new Tensor[] {content, style, Ops.add(content, style)};
    }

    /** Adam's state, for a checkpoint (the arrays themselves: write them out before the next step). */
    public ParameterAdam.State optimizerState() {
        return adam.state();
    }

    /** Continues from a checkpoint's {@link #optimizerState()}. */
    public void restoreOptimizer(ParameterAdam.State state) {
        adam.restore(state);
    }

    /** Steps taken. */
    public long steps() {
        return adam.steps();
    }

    /** [scale, shift], each [1, 3, 1, 1]: x·scale + shift = (x/255 − mean)/std. */
    static INDArray[] normalization() {
        double[] s = new double[3], t = new double[3];
        for (int c = 0; c < 3; c++) {
            s[c] = 1 / (255 * ImageNet.std(c));
            t[c] = -ImageNet.mean(c) / ImageNet.std(c);
        }
        return new INDArray[] {Nd4j.create(s, new long[] {1, 3, 1, 1}, DataType.FLOAT), Nd4j.create(t, new long[] {1, 3, 1, 1}, DataType.FLOAT)};
    }

    private static Tensor normalize(Tensor pixels, INDArray scale, INDArray shift) {
        return Ops.add(Ops.mul(pixels, Tensor.constant(scale)), Tensor.constant(shift));
    }

    static Tensor gram(Tensor features) {
        long[] s = features.shape();
        return Ops.mul(Ops.gram(features), 1.0 / (s[1] * s[2] * s[3]));
    }
}
