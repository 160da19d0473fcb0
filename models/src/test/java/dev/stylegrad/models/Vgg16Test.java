package dev.stylegrad.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.Npy;
import dev.stylegrad.io.WeightsFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Vgg.Architecture#VGG16} (the feed-forward networks' loss network) against torchvision's VGG16 layout run in
 * PyTorch on a mini VGG16 ({@code src/test/fixtures/mini_vgg16/make_mini_vgg16.py}: blocks of 2, 2, 3, 3, 3 convolutions,
 * torchvision indices, few channels).
 */
class Vgg16Test {
    static final Path MINI16 = Path.of("src/test/fixtures/mini_vgg16");
    static final List<String> OUTPUTS = List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3", "pool5");

    @Test
    void vgg16FeaturesMatchPyTorch() throws IOException {
        Vgg net = Vgg.load(Vgg.Architecture.VGG16, MINI16.resolve("mini_vgg16_legacy.pth"), "pool5", Vgg.Pooling.MAX);
        assertThat(net.architecture()).isEqualTo(Vgg.Architecture.VGG16);
        assertThat(net.widths()).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L);
        Map<String, Tensor> features = net.forward(Tensor.constant(Vgg19Test.fixtureImage()), OUTPUTS);
        for (String layer : OUTPUTS) {
            double rel = Vgg19Test.relError(features.get(layer).value(), Npy.read(MINI16.resolve("features").resolve(layer + ".npy")));
            System.out.printf("VGG16 %s: relative error vs PyTorch %.2e%n", layer, rel);
            assertThat(rel).as(layer).isLessThan(1e-5);
        }
        assertThat(Vgg.Architecture.VGG16.layerNames()).contains("relu4_3").doesNotContain("relu3_4", "conv5_4").hasSize(31);
        assertThat(Vgg.Architecture.VGG19.layerNames()).isEqualTo(Vgg.layerNames());
    }

    @Test
    void eachArchitectureAnswersForItsOwnLayerTable() {
        Vgg.Architecture vgg16 = Vgg.Architecture.VGG16, vgg19 = Vgg.Architecture.VGG19;
        assertThat(vgg16.blockSizes()).containsExactly(2, 2, 3, 3, 3);
        assertThat(vgg19.blockSizes()).containsExactly(2, 2, 4, 4, 4);
        vgg19.blockSizes()[0] = 99;
        assertThat(vgg19.blockSizes()).as("a copy each time").startsWith(2);
        // relu4_3 sits after 2, 2, 3 and 3 convolutions in VGG16, 2, 2, 4 and 3 in VGG19 (spacing 1, 2, 4, 8).
        assertThat(vgg16.receptiveFieldMargin("relu4_3")).isEqualTo(2 + 4 + 12 + 24);
        assertThat(vgg19.receptiveFieldMargin("relu4_3")).isEqualTo(2 + 4 + 16 + 24);
        assertThat(vgg16.stride("relu4_3")).isEqualTo(8);
        assertThat(vgg16.minimumSide("relu4_3")).isEqualTo(8);
        assertThat(vgg16.minimumSide("pool5")).isEqualTo(32);
        assertThat(vgg16.deepestOf(List.of("relu2_2", "relu4_3", "relu1_2"))).isEqualTo("relu4_3");
        assertThatThrownBy(() -> vgg16.deepestOf(List.of("relu3_4"))).hasMessageContaining("unknown VGG16 layer 'relu3_4'");
        assertThatThrownBy(() -> vgg16.deepestOf(List.of())).hasMessageContaining("no layer names");
        // The static helpers are VGG19's.
        for (String layer : vgg19.layerNames()) {
            assertThat(Vgg.stride(layer)).isEqualTo(vgg19.stride(layer));
            assertThat(Vgg.receptiveFieldMargin(layer)).isEqualTo(vgg19.receptiveFieldMargin(layer));
            assertThat(Vgg.minimumSide(layer)).isEqualTo(vgg19.minimumSide(layer));
        }
        assertThat(Vgg.deepestOf(List.of("relu3_4", "relu1_1"))).isEqualTo("relu3_4");
    }

    @Test
    void architecturesAreNotMixedUp() {
        // A VGG19 file read as VGG16 chains wrongly at conv3_3's successor (VGG19's conv3_4 sits at VGG16's conv4_1
        // index), and VGG19-only layer names are refused for VGG16.
        assertThatThrownBy(() -> Vgg.load(Vgg.Architecture.VGG16, ModelFixtures.MINI_VGG19,
                "relu4_3", Vgg.Pooling.MAX)).isInstanceOf(WeightsFormatException.class);
        assertThatThrownBy(() -> Vgg.load(Vgg.Architecture.VGG16, MINI16.resolve("mini_vgg16_legacy.pth"), "relu3_4", Vgg.Pooling.MAX))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown VGG16 layer 'relu3_4'")
                .hasMessageContaining("conv1_1..conv5_3");
    }
}
