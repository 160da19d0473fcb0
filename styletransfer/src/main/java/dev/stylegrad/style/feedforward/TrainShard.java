package dev.stylegrad.style.feedforward;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.Shared;
import dev.stylegrad.style.ShippedArray;
import dev.stylegrad.style.StepTask;
import dev.stylegrad.tensor.MemoryScope;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One shard of a training step's batch ({@link Trainer#runOn}): it reads the network's weights at this step and the
 * style's Gram matrices through {@link Shared} handles (sent once per machine, not per shard), and carries its pictures,
 * either as pixels or as the paths of files every machine sees (read and cropped where it runs, as {@link
 * TrainingImages#next} would here). It returns its share of the losses and of every parameter's gradient (its pictures'
 * fraction of the batch times its own mean loss and gradient), computed on the loss network where it runs; or, when a
 * picture cannot be read there, which pictures and why, and nothing else.
 */
final class TrainShard implements StepTask<TrainShard.Result> {
    private static final long serialVersionUID = 1L;

    /**
     * Content, style and total loss, and the gradient per parameter, each already weighted by the shard's fraction; or
     * (everything else empty) the files that could not be read, each with why.
     */
    record Result(double[] losses, LinkedHashMap<String, ShippedArray> gradients, LinkedHashMap<String, String> unreadable) implements Serializable {}

    /** The pictures of a shard that are read where it runs: absolute paths, and how to crop them. */
    record Files(List<String> paths, int side, long maxPixels) implements Serializable {}

    private final int[] widths;
    private final Shared<LinkedHashMap<String, ShippedArray>> weights, styleGrams;
    private final ShippedArray pictures; // null when files are given
    private final Files files;
    private final List<String> styleLayers;
    private final String contentLayer;
    private final double contentWeight, styleWeight, fraction;

    TrainShard(int[] widths, Shared<LinkedHashMap<String, ShippedArray>> weights, ShippedArray pictures, Files files,
               Shared<LinkedHashMap<String, ShippedArray>> styleGrams, List<String> styleLayers, String contentLayer, double contentWeight,
               double styleWeight, double fraction) {
        if ((pictures == null) == (files == null)) throw new IllegalArgumentException("a training shard takes either pictures or files");
        this.widths = widths.clone();
        this.weights = weights;
        this.pictures = pictures;
        this.files = files;
        this.styleGrams = styleGrams;
        this.styleLayers = List.copyOf(styleLayers);
        this.contentLayer = contentLayer;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.fraction = fraction;
    }

    @Override
    public Result run(Vgg lossNet) {
        LinkedHashMap<String, String> unreadable = new LinkedHashMap<>();
        INDArray batch = pictures != null ? pictures.array().dup('c') : read(unreadable);
        if (!unreadable.isEmpty()) return new Result(new double[3], new LinkedHashMap<>(), unreadable);
        TransformerNet net = TransformerNet.create(widths[0], widths[1], widths[2], 0);
        Map<String, ShippedArray> w = weights.get();
        net.parameters().forEach((name, p) -> p.value().assign(w.get(name).array()));
        Map<String, INDArray> grams = new LinkedHashMap<>();
        styleGrams.get().forEach((layer, g) -> grams.put(layer, g.array()));
        INDArray[] n = Trainer.normalization();
        LinkedHashMap<String, ShippedArray> gradients = new LinkedHashMap<>();
        double[] losses = new double[3];
        try (MemoryScope scope = MemoryScope.open("train-shard")) {
            Tensor[] l = Trainer.lossOf(net, lossNet, batch, grams, styleLayers, contentLayer, contentWeight, styleWeight, n[0], n[1]);
            for (int k = 0; k < 3; k++) losses[k] = fraction * l[k].value().getDouble(0);
            if (Double.isFinite(losses[2])) {
                l[2].backward();
                net.parameters().forEach((name, p) -> {
                    if (p.grad() != null) gradients.put(name, ShippedArray.of(MemoryScope.keep(p.grad().mul(fraction))));
                });
            }
        }
        return new Result(losses, gradients, unreadable);
    }

    /** This shard's pictures read from their files, or null with {@code unreadable} filled. */
    private INDArray read(Map<String, String> unreadable) {
        int side = files.side(), plane = 3 * side * side;
        float[] data = new float[files.paths().size() * plane];
        for (int k = 0; k < files.paths().size(); k++) {
            String f = files.paths().get(k);
            try {
                TrainingImages.readInto(Path.of(f), side, files.maxPixels(), data, k * plane);
            } catch (IOException | RuntimeException | Error e) { // as TrainingImages.next: one picture never ends the run
                unreadable.put(f, TrainingImages.whyUnusable(e));
            }
        }
        return unreadable.isEmpty() ? Nd4j.create(data, new long[] {files.paths().size(), 3, side, side}, DataType.FLOAT) : null;
    }

    @Override
    public long bytesIn() {
        return pictures != null ? pictures.bytes() : 0; // the weights and Grams are shared, counted where they are shared
    }
}
