package dev.stylegrad.style;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.models.Vgg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The style-transfer loss of docs/design.md, "The math" at an image x (normalized NCHW):
 * {@code L = α·Σ_c w_c·mean((F_c(x) − F_c(content))²) + β·Σ_l w_l·mean((G_l(x) − G_l(style))²)/(d_l·h_l·w_l) + γ·TV(x)}.
 * Content features and style Gram matrices are computed once, without a tape, when the objective is made; each
 * evaluation runs in one {@link MemoryScope}, so steps reuse one block of memory.
 */
final class StyleObjective implements Objective {
    private final Vgg net;
    private final Map<String, Double> contentLayers;
    private final Map<String, Double> styleLayers;
    private final double contentWeight, styleWeight, tvWeight;
    private final Map<String, Tensor> contentTargets = new LinkedHashMap<>();
    private final Map<String, Tensor> styleGrams = new LinkedHashMap<>();
    private final List<String> layers;

    /**
     * @param styles normalized style images, each [1, 3, h, w] (sizes may differ from the content's)
     * @param blend weights of the style images, summing to 1
     */
    StyleObjective(Vgg net, INDArray content, List<INDArray> styles, double[] blend, Map<String, Double> contentLayers,
                   Map<String, Double> styleLayers, double contentWeight, double styleWeight, double tvWeight) {
        this.net = net;
        this.contentLayers = contentLayers;
        this.styleLayers = styleLayers;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.tvWeight = tvWeight;
        LinkedHashSet<String> all = new LinkedHashSet<>(contentLayers.keySet());
        all.addAll(styleLayers.keySet());
        this.layers = new ArrayList<>(all);
        // The targets' passes run in a scope of their own, destroyed at the end, so their activations neither wait
        // for the GC nor stay reserved for the steps; the targets are copied out.
        try (GradMode.Scope ignored = GradMode.noGrad(); MemoryScope scope = MemoryScope.open("style-targets")) {
            Map<String, Tensor> cf = net.forward(Tensor.constant(content), new ArrayList<>(contentLayers.keySet()));
            cf.forEach((layer, f) -> contentTargets.put(layer, Tensor.constant(MemoryScope.keep(f.value()))));
            for (int k = 0; k < styles.size(); k++) {
                Map<String, Tensor> sf = net.forward(Tensor.constant(styles.get(k)), new ArrayList<>(styleLayers.keySet()));
                for (String layer : styleLayers.keySet()) {
                    INDArray g = MemoryScope.keep(Ops.gram(sf.get(layer)).value()).muli(blend[k]);
                    styleGrams.merge(layer, Tensor.constant(g), (a, b) -> Tensor.constant(a.value().addi(b.value())));
                }
            }
        } finally {
            MemoryScope.destroy("style-targets");
        }
    }

    @Override
    public Evaluation evaluate(INDArray x, INDArray grad) {
        try (MemoryScope scope = MemoryScope.open("style-step")) {
            Tensor image = Tensor.parameter(x);
            Map<String, Tensor> f = net.forward(image, layers);
            Tensor content = null; // content layers may be empty: pure texture synthesis
            for (Map.Entry<String, Double> e : contentLayers.entrySet()) {
                Tensor term = Ops.mul(Ops.mse(f.get(e.getKey()), contentTargets.get(e.getKey())), e.getValue());
                content = content == null ? term : Ops.add(content, term);
            }
            Tensor style = null;
            for (Map.Entry<String, Double> e : styleLayers.entrySet()) {
                Tensor feature = f.get(e.getKey());
                long[] s = feature.shape();
                double norm = (double) s[1] * s[2] * s[3];
                Tensor term = Ops.mul(Ops.mse(Ops.gram(feature, Precision.FP32, net.gradientPrecision()), styleGrams.get(e.getKey())), e.getValue() / norm);
                style = style == null ? term : Ops.add(style, term);
            }
            Tensor total = Ops.mul(style, styleWeight);
            if (content != null) total = Ops.add(Ops.mul(content, contentWeight), total);
            Tensor tv = null;
            if (tvWeight != 0) {
                tv = TotalVariation.of(image);
                total = Ops.add(total, Ops.mul(tv, tvWeight));
            }
            Evaluation e = new Evaluation(content == null ? 0 : contentWeight * content.value().getDouble(0), styleWeight * style.value().getDouble(0),
                    tv == null ? 0 : tvWeight * tv.value().getDouble(0), total.value().getDouble(0));
            if (!e.isFinite()) return e;
            total.backward();
            grad.assign(image.grad());
            return e;
        }
    }
}
