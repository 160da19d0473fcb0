package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import dev.stylegrad.models.Vgg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step of pytorch/examples' {@code fast_neural_style}, loss for loss: the network stylizes a batch
 * (pixels 0..255); both the batch and the result are divided by 255 and normalized with ImageNet's mean and std
 * before the loss network; content loss = content weight × mean squared difference of the two at the content layer;
 * style loss = style weight × Σ over style layers of the mean squared difference between the result's Gram matrices
 * (normalized by channels × height × width) and the style picture's, computed once; then one Adam step on the
 * network's parameters ({@link ParameterAdam}, as {@code torch.optim.Adam}).
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

    public Trainer(TransformerNet net, Vgg lossNet, INDArray style, List<String> styleLayers, String contentLayer,
            double contentWeight, double styleWeight, double lr) {
        Shapes.requireRank("trainer", "style picture [1, 3, H, W]", style, 4);
        this.net = net;
        this.lossNet = lossNet;
        this.styleLayers = List.copyOf(styleLayers);
        this.contentLayer = contentLayer;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.adam = new ParameterAdam(net.parameters(), lr);
        double[] s = new double[3], t = new double[3];
        for (int c = 0; c < 3; c++) {
            s[c] = 1 / (255 * ImageNet.std(c));
            t[c] = -ImageNet.mean(c) / ImageNet.std(c);
        }
        scale = Nd4j.create(s, new long[] {1, 3, 1, 1}, DataType.FLOAT);
        shift = Nd4j.create(t, new long[] {1, 3, 1, 1}, DataType.FLOAT);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Map<String, Tensor> f = lossNet.forward(normalize(Tensor.constant(style.castTo(DataType.FLOAT))), this.styleLayers);
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
        long b = batch.size(0);
        Tensor x = Tensor.constant(batch.castTo(DataType.FLOAT));
        List<String> layers = new ArrayList<>(new LinkedHashSet<>(styleLayers));
        if (!layers.contains(contentLayer)) layers.add(contentLayer);
        Map<String, Tensor> fx;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            fx = lossNet.forward(normalize(x), List.of(contentLayer));
        }
        Map<String, Tensor> fy = lossNet.forward(normalize(net.forward(x)), layers);
        Tensor content = Ops.mul(Ops.mse(fy.get(contentLayer), fx.get(contentLayer)), contentWeight);
        Tensor style = null;
        for (String layer : styleLayers) {
            INDArray target = styleGrams.get(layer);
            INDArray tiled = b == 1 ? target : target.repeat(0, b);
            Tensor term = Ops.mse(gram(fy.get(layer)), Tensor.constant(tiled));
            style = style == null ? term : Ops.add(style, term);
        }
        style = Ops.mul(style, styleWeight);
        Tensor total = Ops.add(content, style);
        Losses losses = new Losses(content.value().getDouble(0), style.value().getDouble(0), total.value().getDouble(0));
        updated = false;
        if (!Double.isFinite(losses.total())) return losses; // no update from a non-finite loss: the network stays as it was
        total.backward();
        updated = adam.step();
        return losses;
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

    private Tensor normalize(Tensor pixels) {
        return Ops.add(Ops.mul(pixels, Tensor.constant(scale)), Tensor.constant(shift));
    }

    private static Tensor gram(Tensor features) {
        long[] s = features.shape();
        return Ops.mul(Ops.gram(features), 1.0 / (s[1] * s[2] * s[3]));
    }
}
