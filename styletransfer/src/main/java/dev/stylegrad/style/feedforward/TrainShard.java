package dev.stylegrad.style.feedforward;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.ShippedArray;
import dev.stylegrad.style.StepTask;
import dev.stylegrad.tensor.MemoryScope;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One shard of a training step's batch ({@link Trainer#runOn}): the network's weights at this step, the shard's
 * pictures and the style's Gram matrices travel with it; it returns its share of the losses and of every parameter's
 * gradient (its pictures' fraction of the batch times its own mean loss and gradient), computed on the loss network
 * where it runs.
 */
final class TrainShard implements StepTask<TrainShard.Result> {
    private static final long serialVersionUID = 1L;

    /** Content, style and total loss, and the gradient per parameter, each already weighted by the shard's fraction. */
    record Result(double[] losses, LinkedHashMap<String, ShippedArray> gradients) implements Serializable {}

    private final int[] widths;
    private final LinkedHashMap<String, ShippedArray> weights, styleGrams;
    private final ShippedArray pictures;
    private final List<String> styleLayers;
    private final String contentLayer;
    private final double contentWeight, styleWeight, fraction;

    TrainShard(int[] widths, LinkedHashMap<String, ShippedArray> weights, ShippedArray pictures, LinkedHashMap<String, ShippedArray> styleGrams,
               List<String> styleLayers, String contentLayer, double contentWeight, double styleWeight, double fraction) {
        this.widths = widths.clone();
        this.weights = weights;
        this.pictures = pictures;
        this.styleGrams = styleGrams;
        this.styleLayers = List.copyOf(styleLayers);
        this.contentLayer = contentLayer;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.fraction = fraction;
    }

    @Override
    public Result run(Vgg lossNet) {
        TransformerNet net = TransformerNet.create(widths[0], widths[1], widths[2], 0);
        net.parameters().forEach((name, p) -> p.value().assign(weights.get(name).array()));
        Map<String, INDArray> grams = new LinkedHashMap<>();
        styleGrams.forEach((layer, g) -> grams.put(layer, g.array()));
        INDArray[] n = Trainer.normalization();
        LinkedHashMap<String, ShippedArray> gradients = new LinkedHashMap<>();
        double[] losses = new double[3];
        try (MemoryScope scope = MemoryScope.open("train-shard")) {
            Tensor[] l = Trainer.lossOf(net, lossNet, pictures.array().dup('c'), grams, styleLayers, contentLayer, contentWeight, styleWeight, n[0], n[1]);
            for (int k = 0; k < 3; k++) losses[k] = fraction * l[k].value().getDouble(0);
            if (Double.isFinite(losses[2])) {
                l[2].backward();
                net.parameters().forEach((name, p) -> {
                    if (p.grad() != null) gradients.put(name, ShippedArray.of(MemoryScope.keep(p.grad().mul(fraction))));
                });
            }
        }
        return new Result(losses, gradients);
    }

    @Override
    public long bytesIn() {
        long b = pictures.bytes();
        for (ShippedArray w : weights.values()) b += w.bytes();
        for (ShippedArray g : styleGrams.values()) b += g.bytes();
        return b;
    }
}
