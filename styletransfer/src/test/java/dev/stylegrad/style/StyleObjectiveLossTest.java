package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link StyleObjective} on the mini VGG19 against docs/design.md, "The math" computed in plain float64 from the network's
 * features: several content and style layers with their weights, a blend of two style images of other sizes, total
 * variation, the gradient it writes (checked along random directions), and what it leaves alone when the loss is
 * not finite. Also {@link TotalVariation}'s limits and {@link LayerWeights}' parsing.
 */
class StyleObjectiveLossTest {
    static Vgg net;

    @BeforeAll
    static void load() throws IOException {
        net = Vgg.load(CourseReference.MINI_WEIGHTS, "pool5", Vgg.Pooling.MAX);
    }

    static INDArray image(long seed, int h, int w) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, 1, 3, h, w).muli(4).subi(2);
    }

    /** The layer's features, as doubles [c][h·w]. */
    static double[][] features(INDArray x, String layer) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            INDArray f = net.forward(Tensor.constant(x), List.of(layer)).get(layer).value();
            long c = f.size(1);
            double[] flat = f.dup('c').data().asDouble();
            int n = (int) (flat.length / c);
            double[][] out = new double[(int) c][n];
            for (int i = 0; i < c; i++) System.arraycopy(flat, i * n, out[i], 0, n);
            return out;
        }
    }

    static double[][] gram(double[][] f) {
        double[][] g = new double[f.length][f.length];
        for (int i = 0; i < f.length; i++) for (int j = 0; j < f.length; j++) {
            double s = 0;
            for (int p = 0; p < f[i].length; p++) s += f[i][p] * f[j][p];
            g[i][j] = s;
        }
        return g;
    }

    static double mse(double[][] a, double[][] b) {
        double s = 0;
        long n = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) {
            s += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
            n++;
        }
        return s / n;
    }

    static double tv(INDArray x) {
        double s = 0;
        long h = x.size(2), w = x.size(3);
        for (int c = 0; c < 3; c++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) {
            double v = x.getDouble(0, c, i, j);
            if (i + 1 < h) s += Math.pow(x.getDouble(0, c, i + 1, j) - v, 2);
            if (j + 1 < w) s += Math.pow(x.getDouble(0, c, i, j + 1) - v, 2);
        }
        return s;
    }

    static final INDArray CONTENT = image(1, 24, 20);
    static final INDArray STYLE_A = image(2, 16, 28);
    static final INDArray STYLE_B = image(3, 32, 16);

    static Map<String, Double> layers(Object... nameWeight) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameWeight.length; i += 2) m.put((String) nameWeight[i], (Double) nameWeight[i + 1]);
        return m;
    }

    static final Map<String, Double> CONTENT_LAYERS = layers("relu2_1", 0.7, "conv3_1", 1.8);
    static final Map<String, Double> STYLE_LAYERS = layers("relu1_1", 1.0, "relu2_2", 0.75, "pool2", 0.3);

    static StyleObjective objective(double alpha, double beta, double gamma) {
        return new StyleObjective(net, CONTENT, List.of(STYLE_A, STYLE_B), new double[] {0.25, 0.75}, CONTENT_LAYERS, STYLE_LAYERS,
                alpha, beta, gamma);
    }

    /** α·Σ w_c·mse(F_c(x), F_c(content)), β·Σ w_l·mse(G_l(x), Σ_k b_k·G_l(style_k))/(d·h·w), γ·TV(x). */
    static double[] expected(INDArray x, double alpha, double beta, double gamma) {
        double content = 0;
        for (Map.Entry<String, Double> e : CONTENT_LAYERS.entrySet()) {
            content += e.getValue() * mse(features(x, e.getKey()), features(CONTENT, e.getKey()));
        }
        double style = 0;
        for (Map.Entry<String, Double> e : STYLE_LAYERS.entrySet()) {
            double[][] fx = features(x, e.getKey());
            double[][] ga = gram(features(STYLE_A, e.getKey())), gb = gram(features(STYLE_B, e.getKey()));
            double[][] blend = new double[ga.length][ga.length];
            for (int i = 0; i < ga.length; i++) for (int j = 0; j < ga.length; j++) blend[i][j] = 0.25 * ga[i][j] + 0.75 * gb[i][j];
            style += e.getValue() * mse(gram(fx), blend) / ((double) fx.length * fx[0].length);
        }
        return new double[] {alpha * content, beta * style, gamma * tv(x)};
    }

    static void assertClose(double got, double want, String what) {
        assertThat(got).as(what).isCloseTo(want, within(2e-5 * Math.abs(want) + 1e-12));
    }

    @Test
    void lossesAreTheWeightedSumsOfDesignSection2() {
        INDArray x = image(4, 24, 20);
        double alpha = 1.7, beta = 3e3, gamma = 0.02;
        Objective.Evaluation e = objective(alpha, beta, gamma).evaluate(x, x.ulike());
        double[] want = expected(x, alpha, beta, gamma);
        assertClose(e.content(), want[0], "content");
        assertClose(e.style(), want[1], "style");
        assertClose(e.tv(), want[2], "tv");
        assertClose(e.total(), want[0] + want[1] + want[2], "total");
        assertThat(want[0]).isPositive();
        assertThat(want[1]).isPositive();
        assertThat(want[2]).isPositive();
    }

    @Test
    void withoutTvOrContentLayersThoseTermsAreZero() {
        INDArray x = image(5, 24, 20);
        Objective.Evaluation e = objective(2, 10, 0).evaluate(x, x.ulike());
        double[] want = expected(x, 2, 10, 0);
        assertThat(e.tv()).isZero();
        assertClose(e.total(), want[0] + want[1], "total without tv");
        StyleObjective texture = new StyleObjective(net, CONTENT, List.of(STYLE_A), new double[] {1}, Map.of(), STYLE_LAYERS, 5, 10, 0);
        Objective.Evaluation t = texture.evaluate(x, x.ulike());
        assertThat(t.content()).isZero();
        assertClose(t.total(), t.style(), "texture synthesis: style only");
        // At the content image itself the content term vanishes.
        assertThat(objective(2, 10, 0).evaluate(CONTENT.dup(), CONTENT.ulike()).content()).isZero();
    }

    static double[] gradient(double alpha, double beta, double gamma, INDArray x) {
        INDArray grad = Nd4j.valueArrayOf(x.shape(), 7.0f);
        objective(alpha, beta, gamma).evaluate(x, grad);
        return grad.dup('c').data().asDouble();
    }

    @Test
    void theGradientIsEachTermsGradientWeightedAndSummed() {
        INDArray x = image(6, 24, 20);
        double alpha = 1.3, beta = 50, gamma = 0.1;
        // TV alone: d/dx Σ (x[i+1,j] − x[i,j])² + (x[i,j+1] − x[i,j])², written out.
        double[] gTv = gradient(0, 0, gamma, x);
        long h = 24, w = 20;
        double worst = 0, scale = 0;
        for (int c = 0; c < 3; c++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) {
            double v = x.getDouble(0, c, i, j), d = 0;
            if (i + 1 < h) d -= 2 * (x.getDouble(0, c, i + 1, j) - v);
            if (i > 0) d += 2 * (v - x.getDouble(0, c, i - 1, j));
            if (j + 1 < w) d -= 2 * (x.getDouble(0, c, i, j + 1) - v);
            if (j > 0) d += 2 * (v - x.getDouble(0, c, i, j - 1));
            worst = Math.max(worst, Math.abs(gTv[(int) ((c * h + i) * w + j)] - gamma * d));
            scale = Math.max(scale, Math.abs(gamma * d));
        }
        assertThat(worst).as("tv gradient").isLessThan(1e-5 * scale);

        double[] gC = gradient(alpha, 0, 0, x), gS = gradient(0, beta, 0, x), gAll = gradient(alpha, beta, gamma, x);
        double amaxC = 0, amaxS = 0, amaxAll = 0, diff = 0;
        for (int i = 0; i < gAll.length; i++) {
            amaxC = Math.max(amaxC, Math.abs(gC[i]));
            amaxS = Math.max(amaxS, Math.abs(gS[i]));
            amaxAll = Math.max(amaxAll, Math.abs(gAll[i]));
            diff = Math.max(diff, Math.abs(gAll[i] - gC[i] - gS[i] - gTv[i]));
        }
        assertThat(amaxC).as("content gradient").isGreaterThan(1e-3 * amaxAll);
        assertThat(amaxS).as("style gradient").isGreaterThan(1e-3 * amaxAll);
        assertThat(diff).as("weighted sum of the terms' gradients").isLessThan(1e-4 * amaxAll);
        // The content and style gradients are the derivatives of their terms: central differences along each
        // gradient itself (float32 network, so a loose bound that still catches a wrong weight or a missing term).
        assertDirectionalDerivative(objective(alpha, 0, 0), x, gC, amaxC, "content");
        assertDirectionalDerivative(objective(0, beta, 0), x, gS, amaxS, "style");
    }

    static void assertDirectionalDerivative(StyleObjective f, INDArray x, double[] g, double amax, String what) {
        INDArray v = Nd4j.create(g, x.shape(), 'c').castTo(DataType.FLOAT).divi(amax); // largest entry 1
        double[] vd = v.dup('c').data().asDouble();
        double step = 1e-3;
        double numeric = (f.evaluate(x.add(v.mul(step)), x.ulike()).total() - f.evaluate(x.sub(v.mul(step)), x.ulike()).total()) / (2 * step);
        double analytic = 0;
        for (int i = 0; i < vd.length; i++) analytic += g[i] * vd[i];
        assertThat(numeric).as(what).isPositive();
        assertThat(analytic).as(what).isCloseTo(numeric, within(0.1 * numeric));
    }

    @Test
    void aNonFiniteLossLeavesTheGradientAlone() {
        INDArray x = image(7, 24, 20);
        INDArray grad = Nd4j.valueArrayOf(x.shape(), 7.0f);
        Objective.Evaluation e = objective(Double.NaN, 1, 0).evaluate(x, grad);
        assertThat(e.isFinite()).isFalse();
        assertThat(grad.minNumber().doubleValue()).isEqualTo(7.0);
        assertThat(grad.maxNumber().doubleValue()).isEqualTo(7.0);
        INDArray grad2 = Nd4j.valueArrayOf(x.shape(), 7.0f);
        assertThat(objective(1, 1, Double.POSITIVE_INFINITY).evaluate(x, grad2).isFinite()).isFalse();
        assertThat(grad2.maxNumber().doubleValue()).isEqualTo(7.0);
    }

    @Test
    void theTargetsPassesLeaveNoMemoryReserved() {
        objective(1, 1, 0);
        try (dev.stylegrad.tensor.MemoryScope scope = dev.stylegrad.tensor.MemoryScope.open("style-targets")) {
            assertThat(scope.reservedBytes()).as("the targets' scope was destroyed, not kept for reuse").isZero();
        }
        dev.stylegrad.tensor.MemoryScope.destroy("style-targets");
    }

    @Test
    void totalVariationNeedsTwoByTwo() {
        assertThat(TotalVariation.of(Tensor.constant(Nd4j.create(new double[] {0, 1, 3, 7}, new long[] {1, 1, 2, 2}, 'c'))).value().getDouble(0))
                .isEqualTo(9 + 36 + 1 + 16); // (3−0)² + (7−1)² down, (1−0)² + (7−3)² right
        assertThatThrownBy(() -> TotalVariation.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 3, 1, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2x2, got 4x1");
        assertThatThrownBy(() -> TotalVariation.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 3, 4, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 1x4");
    }

    @Test
    void layerWeightsParseAndFormat() {
        assertThat(LayerWeights.parse(" relu1_1 : 0.5 , conv2_1,pool3:0")).containsExactly(
                Map.entry("relu1_1", 0.5), Map.entry("conv2_1", 1.0), Map.entry("pool3", 0.0));
        assertThat(LayerWeights.format(LayerWeights.parse("relu1_1:0.5,conv2_1"))).isEqualTo("relu1_1:0.5,conv2_1:1.0");
        assertThat(LayerWeights.format(Map.of())).isEmpty();
        assertThat(LayerWeights.DEFAULT_CONTENT).containsExactly(Map.entry("relu4_2", 1.0));
        assertThat(LayerWeights.DEFAULT_STYLE).containsExactly(Map.entry("relu1_1", 1.0), Map.entry("relu2_1", 0.75),
                Map.entry("relu3_1", 0.2), Map.entry("relu4_1", 0.2), Map.entry("relu5_1", 0.2));
        assertThatThrownBy(() -> LayerWeights.parse("relu1_1:-0.1")).hasMessageContaining("finite number >= 0, got 'relu1_1:-0.1'");
        assertThatThrownBy(() -> LayerWeights.parse("relu1_1:NaN")).hasMessageContaining("finite number >= 0");
        assertThatThrownBy(() -> LayerWeights.parse("relu1_1:Infinity")).hasMessageContaining("finite number >= 0");
        assertThatThrownBy(() -> LayerWeights.parse("relu1_1,relu1_1:2")).hasMessageContaining("layer 'relu1_1' is listed twice");
        assertThatThrownBy(() -> LayerWeights.parse(" ")).hasMessageContaining("empty layer list");
        assertThatThrownBy(() -> LayerWeights.parse(null)).hasMessageContaining("empty layer list");
        assertThatThrownBy(() -> LayerWeights.parse("relu1_1:")).hasMessageContaining("bad weight in layer entry 'relu1_1:'");
        assertThatThrownBy(() -> LayerWeights.parse(":0.5")).hasMessageContaining("unknown layer ''");
    }
}
