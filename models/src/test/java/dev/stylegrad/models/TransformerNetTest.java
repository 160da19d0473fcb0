package dev.stylegrad.models;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.Npy;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.ConvAlgorithms;
import dev.stylegrad.tensor.MemoryScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link TransformerNet} against pytorch/examples' TransformerNet run in PyTorch on the same weights and pictures
 * ({@code src/test/fixtures/transformer/make_transformer.py}: the reference's modules and key names, widths 4, 8, 16).
 */
class TransformerNetTest {
    static final Path DIR = ModelFixtures.TRANSFORMER;

    @TempDir
    Path tmp;

    private static double relativeError(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        return Transforms.abs(got.castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE)), false).maxNumber().doubleValue()
                / Transforms.abs(want.castTo(DataType.DOUBLE), true).maxNumber().doubleValue();
    }

    @Test
    void bothPytorchFormatsLoadAndMatchTheReferenceOutputs() throws IOException {
        for (String file : new String[] {"transformer_zip.pth", "transformer_legacy.pth"}) {
            TransformerNet net = TransformerNet.load(DIR.resolve(file));
            assertThat(net.widths()).containsExactly(4, 8, 16);
            assertThat(net.parameters()).hasSize(62).containsKeys("conv1.conv2d.weight", "in1.weight", "res5.in2.bias", "deconv3.conv2d.bias");
            for (int k = 0; k < 3; k++) {
                INDArray out = net.apply(Npy.read(DIR.resolve("picture_" + k + ".npy")));
                double err = relativeError(out, Npy.read(DIR.resolve("out_" + k + ".npy")));
                System.out.printf("TransformerNet %s picture %d: relative error vs PyTorch %.2e%n", file, k, err);
                assertThat(err).as(file + " picture " + k).isLessThan(1e-4);
            }
        }
    }

    /**
     * A frozen network (as {@code apply} loads it) gives the reference's outputs under both algorithms: the same bits
     * as unfrozen with direct kernels, and Winograd's rounding with Winograd; training it is refused elsewhere.
     */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"DIRECT", "WINOGRAD"})
    void aFrozenNetworkMatchesTheReference(ConvAlgorithm algorithm) throws Throwable {
        TransformerNet thawed = TransformerNet.load(DIR.resolve("transformer_legacy.pth"));
        TransformerNet frozen = TransformerNet.load(DIR.resolve("transformer_legacy.pth")).freeze();
        assertThat(frozen.frozen()).isTrue();
        assertThat(thawed.frozen()).isFalse();
        ConvAlgorithms.with(algorithm, () -> {
            for (int k = 0; k < 3; k++) {
                INDArray picture = Npy.read(DIR.resolve("picture_" + k + ".npy"));
                INDArray out = frozen.apply(picture);
                double err = relativeError(out, Npy.read(DIR.resolve("out_" + k + ".npy")));
                System.out.printf("frozen TransformerNet (%s) picture %d: relative error vs PyTorch %.2e%n", algorithm.cliName(), k, err);
                assertThat(err).isLessThan(1e-4);
                if (algorithm == ConvAlgorithm.DIRECT) assertIdentical("frozen vs thawed, direct", out, thawed.apply(picture));
            }
        });
    }

    /**
     * {@link TransformerNet#apply} in a memory scope leaves only the picture and the result lent: every intermediate
     * went back once the next layer had read it, and the result is what the recorded pass gives.
     */
    @Test
    void applyLeavesOnlyThePictureAndTheResultLent() throws IOException {
        TransformerNet net = TransformerNet.load(DIR.resolve("transformer_legacy.pth"));
        INDArray values = Npy.read(DIR.resolve("picture_0.npy")).castTo(DataType.FLOAT);
        INDArray recorded = net.forward(Tensor.constant(values)).value();
        try (MemoryScope scope = MemoryScope.open("transformer-apply")) {
            INDArray picture = MemoryScope.allocate(DataType.FLOAT, values.shape()).assign(values);
            INDArray out = net.apply(picture);
            assertThat(scope.lentBytes()).isEqualTo((picture.length() + out.length()) * 4);
            assertIdentical("apply vs the recorded pass", out, recorded);
        } finally {
            MemoryScope.destroy("transformer-apply");
        }
    }

    @Test
    void savedSafetensorsLoadToTheSameNetwork() throws IOException {
        TransformerNet net = TransformerNet.load(DIR.resolve("transformer_legacy.pth"));
        Path saved = tmp.resolve("model.safetensors");
        net.save(saved);
        TransformerNet again = TransformerNet.load(saved);
        assertThat(again.names()).isEqualTo(net.names());
        for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
            assertThat(again.parameters().get(e.getKey()).value().sub(e.getValue().value()).amaxNumber().doubleValue())
                    .as(e.getKey()).isEqualTo(0.0);
        }
        INDArray picture = Npy.read(DIR.resolve("picture_2.npy"));
        assertThat(again.apply(picture).sub(net.apply(picture)).amaxNumber().doubleValue()).isEqualTo(0.0);
    }

    @Test
    void aStateDictMissingOrAddingKeysIsRefusedNamingTheKey() throws IOException {
        TransformerNet net = TransformerNet.load(DIR.resolve("transformer_legacy.pth"));
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        net.parameters().forEach((k, v) -> tensors.put(k, v.value()));
        tensors.remove("res3.in1.bias");
        Path missing = tmp.resolve("missing.safetensors");
        SafetensorsWriter.write(missing, tensors, Map.of());
        assertThatThrownBy(() -> TransformerNet.load(missing)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("missing res3.in1.bias");
        tensors.put("res3.in1.bias", net.parameters().get("res3.in1.bias").value());
        tensors.put("res6.conv1.conv2d.weight", net.parameters().get("res5.conv1.conv2d.weight").value());
        Path extra = tmp.resolve("extra.safetensors");
        SafetensorsWriter.write(extra, tensors, Map.of());
        assertThatThrownBy(() -> TransformerNet.load(extra)).isInstanceOf(WeightsFormatException.class).hasMessageContaining("res6.conv1.conv2d.weight");
        assertThatThrownBy(() -> TransformerNet.load(ModelFixtures.MINI_VGG19))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("not a fast_neural_style TransformerNet");
    }
}
