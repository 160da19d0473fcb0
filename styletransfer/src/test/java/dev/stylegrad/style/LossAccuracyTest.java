package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.ConvAlgorithms;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.stylegrad.models.SharedFiles;
import dev.stylegrad.tensor.KernelConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The untiled float32 losses against float64 along a 384×288 run of the course's objective (mini VGG19, all default
 * layers): at every step the float32 picture is evaluated by the same objective in float64 too, and the content and
 * style losses must agree within 1e-5 relative, under both convolution algorithms; with the shared VGG19 weights, the
 * course's objective itself. Step 1 is skipped: the picture is
 * the content there, so the content loss is 0 up to rounding. Losses near content need accurate sums: a float32 sum
 * of the squared differences was 5e-5 off.
 */
class LossAccuracyTest {
    static final int W = 384, H = 288, STEPS = 8;
    static final double BOUND = 1e-5;
    static Vgg net, double64;
    static INDArray content, style;

    @BeforeAll
    static void load() throws IOException {
        net = Vgg.load(CourseReference.MINI_WEIGHTS, "relu5_1", Vgg.Pooling.MAX);
        double64 = net.withDataType(DataType.DOUBLE);
        content = StyleObjectiveLossTest.image(11, H, W);
        style = StyleObjectiveLossTest.image(12, 256, 320);
    }

    /** relu1_2 beside the course's relu4_2 gives the mini network's content loss a real picture's count of terms (550,000). */
    static final Map<String, Double> MINI_CONTENT = LayerWeights.parse("relu4_2:1,relu1_2:1");

    static StyleObjective objective(Vgg n, DataType type, Map<String, Double> contentLayers) {
        return new StyleObjective(n, content.castTo(type), List.of(style.castTo(type)), new double[] {1},
                new LinkedHashMap<>(contentLayers), LayerWeights.DEFAULT_STYLE, 1, 1e6, 0);
    }

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"DIRECT", "WINOGRAD"})
    void contentAndStyleLossesStayWithinBoundOfFloat64(ConvAlgorithm algorithm) throws Throwable {
        ConvAlgorithms.with(algorithm, () -> compareAlongAdam(algorithm.cliName(), objective(net, DataType.FLOAT, MINI_CONTENT),
                objective(double64, DataType.DOUBLE, MINI_CONTENT), STEPS));
    }

    /** The course's objective on the published VGG19 (the shared weights; skipped without them), default algorithm. */
    @Test
    void theCourseLossesOnVgg19StayWithinBoundOfFloat64() throws IOException {
        Path weights = SharedFiles.find("weights/vgg19-keras-features.pth");
        Assumptions.assumeTrue(weights != null, "shared VGG19 weights absent");
        Vgg vgg = Vgg.load(weights, "relu5_1", Vgg.Pooling.MAX);
        compareAlongAdam(KernelConfig.convAlgorithm().cliName(), objective(vgg, DataType.FLOAT, LayerWeights.DEFAULT_CONTENT),
                objective(vgg.withDataType(DataType.DOUBLE), DataType.DOUBLE, LayerWeights.DEFAULT_CONTENT), 4);
    }

    private static void compareAlongAdam(String algorithm, StyleObjective single, StyleObjective reference, int steps) {
        INDArray x = content.dup();
        Adam adam = new Adam(0.003);
        double worstContent = 0, worstStyle = 0;
        for (int k = 1; k <= steps; k++) {
            INDArray at = x.dup();
            Objective.Evaluation e = adam.step(x, single::evaluate);
            Objective.Evaluation r = reference.evaluate(at.castTo(DataType.DOUBLE), at.castTo(DataType.DOUBLE).ulike());
            double c = Math.abs(e.content() - r.content()) / r.content(), s = Math.abs(e.style() - r.style()) / r.style();
            System.out.printf("losses vs float64 (%s), step %d: content %.2e (of %.4g), style %.2e%n", algorithm, k, c, r.content(), s);
            if (k >= 2) {
                worstContent = Math.max(worstContent, c);
                worstStyle = Math.max(worstStyle, s);
            }
        }
        assertThat(worstContent).as("content").isLessThan(BOUND);
        assertThat(worstStyle).as("style").isLessThan(BOUND);
    }
}
