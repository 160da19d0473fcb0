package dev.stylegrad.models;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.Npy;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.WeightsFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link AdaInEncoder} and {@link AdaInDecoder} against pytorch-AdaIN's {@code net.vgg} and {@code net.decoder} run in
 * PyTorch on the same weights ({@code src/test/fixtures/adain/make_adain.py}: the reference's modules and keys, widths
 * 4, 6, 8, 12, a 37×45 picture so that ceil-mode pooling matters).
 */
class AdaInNetworksTest {
    static final Path DIR = ModelFixtures.ADAIN;

    @TempDir
    Path tmp;

    static double relativeError(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        return Transforms.abs(got.castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE)), false).maxNumber().doubleValue()
                / Transforms.abs(want.castTo(DataType.DOUBLE), true).maxNumber().doubleValue();
    }

    @Test
    void encoderFeaturesMatchPytorchAtEveryStyleLayer() throws IOException {
        AdaInEncoder encoder = AdaInEncoder.load(DIR.resolve("vgg_legacy.pth"));
        assertThat(encoder.widths()).containsExactly(4, 6, 8, 12);
        List<Tensor> features = encoder.encodeWithIntermediate(Tensor.constant(Npy.read(DIR.resolve("content.npy"))));
        assertThat(features).hasSize(4);
        for (int k = 0; k < 4; k++) {
            double err = relativeError(features.get(k).value(), Npy.read(DIR.resolve("relu" + (k + 1) + "_1.npy")));
            System.out.printf("AdaIN encoder relu%d_1: relative error vs PyTorch %.2e%n", k + 1, err);
            assertThat(err).as("relu%d_1", k + 1).isLessThan(1e-4);
        }
        assertIdentical("apply vs the recorded pass", encoder.apply(Npy.read(DIR.resolve("content.npy"))), features.get(3).value());
    }

    @Test
    void decoderMatchesPytorchOnAdaInFeatures() throws IOException {
        AdaInDecoder decoder = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        assertThat(decoder.widths()).containsExactly(4, 6, 8, 12);
        INDArray out = decoder.apply(Npy.read(DIR.resolve("adain.npy")));
        double err = relativeError(out, Npy.read(DIR.resolve("decoded.npy")));
        System.out.printf("AdaIN decoder: relative error vs PyTorch %.2e%n", err);
        assertThat(err).isLessThan(1e-4);
        assertThat(AdaInLayer.outputSize(AdaInDecoder.layers(), AdaInLayer.outputSize(AdaInEncoder.layers(), 37))).isEqualTo(40);
    }

    @Test
    void savedSafetensorsLoadToTheSameNetworks() throws IOException {
        AdaInEncoder encoder = AdaInEncoder.load(DIR.resolve("vgg_legacy.pth"));
        encoder.save(tmp.resolve("vgg.safetensors"));
        INDArray picture = Npy.read(DIR.resolve("content.npy"));
        assertIdentical("encoder after save and load", AdaInEncoder.load(tmp.resolve("vgg.safetensors")).apply(picture), encoder.apply(picture));
        AdaInDecoder decoder = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        decoder.save(tmp.resolve("decoder.safetensors"));
        INDArray features = Npy.read(DIR.resolve("adain.npy"));
        assertIdentical("decoder after save and load", AdaInDecoder.load(tmp.resolve("decoder.safetensors")).apply(features), decoder.apply(features));
    }

    @Test
    void filesOfAnotherShapeOrWithOtherKeysAreRefusedByName() throws IOException {
        AdaInDecoder decoder = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        decoder.parameters().forEach((k, v) -> tensors.put(k, v.value()));
        tensors.put("99.weight", Nd4j.zeros(DataType.FLOAT, 1));
        Path extra = tmp.resolve("extra.safetensors");
        SafetensorsWriter.write(extra, tensors, Map.of());
        assertThatThrownBy(() -> AdaInDecoder.load(extra)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("extra.safetensors").hasMessageContaining("99.weight");
        tensors.remove("99.weight");
        tensors.put("8.weight", Nd4j.zeros(DataType.FLOAT, 8, 8, 1, 1));
        Path shape = tmp.resolve("shape.safetensors");
        SafetensorsWriter.write(shape, tensors, Map.of());
        assertThatThrownBy(() -> AdaInDecoder.load(shape)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("8.weight has shape [8, 8, 1, 1], expected [8, 8, 3, 3]");
        // The encoder's file is the whole VGG19: its keys past relu4_1 are read past, anything else is refused.
        assertThatThrownBy(() -> AdaInEncoder.load(DIR.resolve("decoder_zip.pth"))).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("not an AdaIN encoder");
        assertThatThrownBy(() -> AdaInDecoder.load(DIR.resolve("vgg_legacy.pth"))).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("1.weight");
    }

    @Test
    void theTorchvisionEncoderNormalizesLikeImageNet() throws IOException {
        AdaInEncoder encoder = AdaInEncoder.fromTorchvisionVgg19(ModelFixtures.MINI_VGG19);
        Path saved = tmp.resolve("enc.safetensors");
        encoder.save(saved);
        INDArray w = Npy.read(DIR.resolve("content.npy")); // any picture
        AdaInEncoder again = AdaInEncoder.load(saved);
        assertIdentical("torchvision encoder after save and load", again.apply(w), encoder.apply(w));
        // its 1x1 layer is (x - mean) / std per channel
        var reader = dev.stylegrad.io.WeightsFiles.open(saved);
        INDArray weight = reader.read("0.weight"), bias = reader.read("0.bias");
        reader.close();
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 3; i++) assertThat(weight.getDouble(o, i, 0, 0)).isCloseTo(o == i ? 1 / ImageNet.std(o) : 0, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(bias.getDouble(o)).isCloseTo(-ImageNet.mean(o) / ImageNet.std(o), org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void theTilesReachIsDerivedFromTheLayers() {
        // relu4_1 position 0 reads pixels -30 .. 37 (its 8-px cell and 30 px around it).
        assertThat(AdaInLayer.inputSpan(AdaInEncoder.layers(), 0, 0)).containsExactly(-30, 37);
        // the decoder's output pixels 0..7 read relu4_1 positions -4 .. 3
        assertThat(AdaInLayer.inputSpan(AdaInDecoder.layers(), 0, 7)).containsExactly(-4, 4);
    }
}
