package dev.stylegrad.models;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.ExactArrays;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.io.Npy;
import dev.stylegrad.tensor.Pool2dSpec;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.io.WeightsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Vgg on the mini VGG19 fixtures (make_mini_vgg19.py), against PyTorch's features at every named layer. */
class Vgg19Test {
    static final Path MINI = Path.of("src/test/fixtures/mini_vgg19");

    @TempDir
    Path dir;

    /** The fixture image as network input, normalized exactly as the script did. */
    static INDArray fixtureImage() throws IOException {
        BufferedImage img = ImageIO.read(MINI.resolve("image.png").toFile());
        int[] rgb = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        for (int i = 0; i < rgb.length; i++) rgb[i] &= 0xFFFFFF;
        return ImageNet.fromPixels(rgb, img.getWidth(), img.getHeight());
    }

    static double relError(INDArray got, INDArray want) {
        return got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mini_vgg19_legacy.pth", "mini_vgg19_zip.pth"})
    void featuresAtEveryLayerMatchPyTorch(String file) throws IOException {
        Vgg net = Vgg.load(MINI.resolve(file), "pool5", Vgg.Pooling.MAX);
        assertThat(net.widths()).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
        Map<String, Tensor> features;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            features = net.forward(Tensor.constant(fixtureImage()), Vgg.layerNames());
        }
        assertThat(features).hasSize(37);
        double worst = 0;
        for (String layer : Vgg.layerNames()) {
            INDArray want = Npy.read(MINI.resolve("features_max").resolve(layer + ".npy"));
            INDArray got = features.get(layer).value();
            assertThat(got.shape()).as(layer).containsExactly(want.shape());
            double rel = relError(got, want);
            assertThat(rel).as(layer).isLessThanOrEqualTo(1e-5);
            worst = Math.max(worst, rel);
        }
        System.out.printf("Vgg19Test %s: worst rel. error over 37 layers %.2e%n", file, worst);
    }

    @Test
    void bothSerializationsLoadIdentically() throws IOException {
        try (WeightsReader legacy = WeightsFiles.open(MINI.resolve("mini_vgg19_legacy.pth"));
             WeightsReader zip = WeightsFiles.open(MINI.resolve("mini_vgg19_zip.pth"))) {
            assertThat(legacy.format()).isEqualTo("pytorch-legacy");
            assertThat(zip.format()).isEqualTo("pytorch-zip");
            assertThat(legacy.tensors().stream().map(t -> t.name()).toList()).isEqualTo(zip.tensors().stream().map(t -> t.name()).toList());
            for (var t : legacy.tensors()) assertIdentical(t.name(), legacy.read(t.name()), zip.read(t.name()));
        }
    }

    @Test
    void averagePoolingMatchesPyTorch() throws IOException {
        Vgg net = Vgg.load(MINI.resolve("mini_vgg19_zip.pth"), "pool5", Vgg.Pooling.AVG);
        List<String> layers = List.of("pool1", "pool2", "pool3", "pool4", "relu5_1", "pool5");
        Map<String, Tensor> features;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            features = net.forward(Tensor.constant(fixtureImage()), layers);
        }
        for (String layer : layers) {
            assertThat(relError(features.get(layer).value(), Npy.read(MINI.resolve("features_avg").resolve(layer + ".npy"))))
                    .as(layer).isLessThanOrEqualTo(1e-5);
        }
        // And max pooling really differs there, so the option is not ignored.
        assertThat(relError(features.get("pool1").value(), Npy.read(MINI.resolve("features_max/pool1.npy")))).isGreaterThan(1e-2);
    }

    @Test
    void loadsOnlyUpToTheDeepestLayerAndRunsOnlyThatFar() throws IOException {
        Vgg net = Vgg.load(MINI.resolve("mini_vgg19_legacy.pth"), "relu2_1", Vgg.Pooling.MAX);
        assertThat(net.widths()).containsExactly(4L, 5L, 6L);
        assertThat(net.availableLayers()).endsWith("conv2_1", "relu2_1");
        assertThatThrownBy(() -> net.forward(Tensor.constant(fixtureImage()), List.of("conv2_2")))
                .hasMessageContaining("deeper than this network was loaded to (relu2_1)");
        assertThatThrownBy(() -> net.forward(Tensor.constant(fixtureImage()), List.of("conv9_9"))).hasMessageContaining("unknown VGG19 layer 'conv9_9'");
    }

    /**
     * Without a tape only the image and the asked-for activations stay lent by the memory scope: every other one went
     * back once the next layer had read it. With a tape all stay (backward reads them).
     */
    @Test
    void withoutATapeOnlyTheImageAndTheAskedForLayersStayLent() throws IOException {
        Vgg net = Vgg.load(MINI.resolve("mini_vgg19_legacy.pth"), "relu3_1", Vgg.Pooling.MAX);
        INDArray values = fixtureImage();
        List<String> outputs = List.of("relu3_1", "conv1_2");
        Map<String, Tensor> expected = net.forward(Tensor.constant(values), outputs);
        try (MemoryScope scope = MemoryScope.open("vgg-no-tape"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor image = Tensor.constant(MemoryScope.allocate(DataType.FLOAT, values.shape()).assign(values));
            Map<String, Tensor> features = net.forward(image, outputs);
            long kept = bytes(image) + bytes(features.get("relu3_1")) + bytes(features.get("conv1_2"));
            assertThat(scope.lentBytes()).isEqualTo(kept);
            for (String layer : outputs) assertIdentical(layer, features.get(layer).value(), expected.get(layer).value());
        } finally {
            MemoryScope.destroy("vgg-no-tape");
        }
        try (MemoryScope scope = MemoryScope.open("vgg-tape")) {
            Tensor image = Tensor.parameter(MemoryScope.allocate(DataType.FLOAT, values.shape()).assign(values));
            Map<String, Tensor> features = net.forward(image, outputs);
            long kept = bytes(image) + bytes(features.get("relu3_1")) + bytes(features.get("conv1_2"));
            assertThat(scope.lentBytes()).as("the tape's activations too").isGreaterThan(kept);
        } finally {
            MemoryScope.destroy("vgg-tape");
        }
    }

    private static long bytes(Tensor t) {
        return t.value().length() * t.value().dataType().width();
    }

    @Test
    void inputGradientFlowsThroughFrozenWeights() throws IOException {
        Path file = MINI.resolve("mini_vgg19_zip.pth");
        Vgg net = Vgg.load(file, "relu3_1", Vgg.Pooling.MAX);
        // A random image rather than the fixture's: no two values of a pooling window tie, so max pooling's gradient
        // is defined and a central difference does not straddle a kink.
        Nd4j.getRandom().setSeed(41);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, 34, 50);
        Tensor image = Tensor.parameter(x.dup());
        Ops.sum(Ops.gram(net.forward(image, List.of("relu3_1")).get("relu3_1"))).backward();
        INDArray got = image.grad();
        assertThat(got.shape()).containsExactly(1, 3, 34, 50);
        assertThat(net.parameters()).hasSize(10).allSatisfy(p -> {
            assertThat(p.requiresGrad()).as("frozen").isFalse();
            assertThat(p.grad()).as("weight gradient").isNull();
        });

        // The reference: the same five convolutions written out op by op, in float64, on the file's weights (read
        // here, not through Vgg), differentiated by the float64 kernels (libnd4j's, never oneDNN's) ...
        INDArray[] w = new INDArray[5], b = new INDArray[5];
        try (WeightsReader r = WeightsFiles.open(file)) {
            int[] torchIndex = {0, 2, 5, 7, 10};
            for (int i = 0; i < 5; i++) {
                w[i] = r.read("features." + torchIndex[i] + ".weight").castTo(DataType.DOUBLE);
                b[i] = r.read("features." + torchIndex[i] + ".bias").castTo(DataType.DOUBLE);
            }
        }
        INDArray x64 = x.castTo(DataType.DOUBLE);
        Tensor image64 = Tensor.parameter(x64.dup());
        relu31GramSum(image64, w, b).backward();
        INDArray want = image64.grad();
        // ... and that reference checked by central differences (GradCheck's eps and tolerance) along random
        // directions, which do not use backward at all.
        for (int d = 0; d < 3; d++) {
            INDArray v = Nd4j.randn(DataType.DOUBLE, x.shape());
            double eps = 1e-6, analytic = want.mul(v).sumNumber().doubleValue();
            double numeric = (relu31GramSumValue(x64.add(v.mul(eps)), w, b) - relu31GramSumValue(x64.sub(v.mul(eps)), w, b)) / (2 * eps);
            assertThat(Math.abs(analytic - numeric)).as("float64 reference along direction %d: %s vs %s", d, analytic, numeric)
                    .isLessThanOrEqualTo(1e-5 + 1e-3 * Math.abs(numeric));
        }
        // Float32 (oneDNN, fused ReLU, frozen-weight copies) against float64: each value passes ten convolution
        // kernels (5 forward, 5 backward) and the Gram, each a float32 sum of at most 27·C ≤ 162 (or 96 for the
        // Gram) products with relative rounding ~√n·2⁻²⁴ ≈ 1e-6, so 1e-5 of the largest value bounds what
        // rounding can do (measured 2.6e-7 on an AVX-512 machine); a wrong mask, window or weight is off by far more.
        double rel = ExactArrays.maxAbsDifference(got.castTo(DataType.DOUBLE), want) / want.amaxNumber().doubleValue();
        System.out.printf("Vgg19Test input gradient: float32 vs float64 max rel. error %.2e%n", rel);
        assertThat(rel).as("float32 input gradient vs float64 reference, max |a-b| / max |b|").isLessThanOrEqualTo(1e-5);
    }

    /** sum(gram(relu3_1(x))) op by op: conv1_1 relu conv1_2 relu pool1 conv2_1 relu conv2_2 relu pool2 conv3_1 relu. */
    private static Tensor relu31GramSum(Tensor x, INDArray[] w, INDArray[] b) {
        Tensor h = x;
        for (int i = 0; i < 5; i++) {
            h = Ops.relu(Ops.conv2d(h, Tensor.constant(w[i]), Tensor.constant(b[i]), Conv2dSpec.SAME_3X3));
            if (i == 1 || i == 3) h = Ops.maxPool2d(h, Pool2dSpec.VGG);
        }
        return Ops.sum(Ops.gram(h));
    }

    private static double relu31GramSumValue(INDArray x, INDArray[] w, INDArray[] b) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return relu31GramSum(Tensor.constant(x), w, b).value().getDouble(0);
        }
    }

    @Test
    void featuresOnlyFilesLoadAndBrokenStructuresAreRefusedWithTheKeyAndShape() throws IOException {
        Map<String, INDArray> features = new LinkedHashMap<>();
        try (WeightsReader r = WeightsFiles.open(MINI.resolve("mini_vgg19_zip.pth"))) {
            for (var t : r.tensors()) if (t.name().startsWith("features.")) features.put(t.name(), r.read(t.name()));
        }
        Path onlyFeatures = dir.resolve("features.safetensors");
        SafetensorsWriter.write(onlyFeatures, features, Map.of());
        assertThat(Vgg.load(onlyFeatures, "pool5", Vgg.Pooling.MAX).widths()).hasSize(16);

        Map<String, INDArray> missing = new LinkedHashMap<>(features);
        missing.remove("features.21.weight");
        Path noConv42 = dir.resolve("missing.safetensors");
        SafetensorsWriter.write(noConv42, missing, Map.of());
        assertThat(Vgg.load(noConv42, "relu4_1", Vgg.Pooling.MAX).widths()).hasSize(9); // conv4_2 not needed
        assertThatThrownBy(() -> Vgg.load(noConv42, "relu4_2", Vgg.Pooling.MAX)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("missing.safetensors").hasMessageContaining("features.21.weight").hasMessageContaining("conv4_2");

        Map<String, INDArray> swapped = new LinkedHashMap<>(features);
        swapped.put("features.5.weight", features.get("features.7.weight"));
        Path badChain = dir.resolve("chain.safetensors");
        SafetensorsWriter.write(badChain, swapped, Map.of());
        assertThatThrownBy(() -> Vgg.load(badChain, "pool5", Vgg.Pooling.MAX)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("features.5.weight (conv2_1) should have shape [out, 5, 3, 3], found [7, 6, 3, 3]");
    }

    /** Real ImageNet weights, when the shared copy is there (never on CI clones without it). */
    @Test
    void realKerasVgg19LoadsWhenPresent() throws IOException {
        Path real = SharedFiles.find("weights/vgg19-keras-features.pth");
        org.junit.jupiter.api.Assumptions.assumeTrue(real != null && Files.isRegularFile(real), "shared real weights absent");
        Vgg net = Vgg.load(real, "pool5", Vgg.Pooling.MAX);
        assertThat(net.widths()).containsExactly(64L, 64L, 128L, 128L, 256L, 256L, 256L, 256L, 512L, 512L, 512L, 512L, 512L, 512L, 512L, 512L);
    }

    @Test
    void strideAndReceptiveFieldMarginFollowTheLayerTable() {
        assertThat(Vgg.stride("conv1_1")).isEqualTo(1);
        assertThat(Vgg.stride("pool1")).isEqualTo(2);
        assertThat(Vgg.stride("relu4_2")).isEqualTo(8);
        assertThat(Vgg.stride("relu5_1")).isEqualTo(16);
        assertThat(Vgg.stride("pool5")).isEqualTo(32);
        assertThat(Vgg.receptiveFieldMargin("conv1_1")).isEqualTo(1);
        assertThat(Vgg.receptiveFieldMargin("relu1_2")).isEqualTo(2);
        assertThat(Vgg.receptiveFieldMargin("pool1")).isEqualTo(2);
        assertThat(Vgg.receptiveFieldMargin("relu2_1")).isEqualTo(4);
        assertThat(Vgg.receptiveFieldMargin("relu4_2")).isEqualTo(2 + 4 + 16 + 16);
        assertThat(Vgg.receptiveFieldMargin("relu5_1")).isEqualTo(70);
    }

    /**
     * The margin measured, not derived: the gradient of one relu5_1 position (all channels) with respect to the
     * image is nonzero exactly on its 16-px cell widened by the margin on every side, and on nothing wider.
     */
    @ParameterizedTest
    @ValueSource(strings = {"relu3_1", "relu4_2", "relu5_1"})
    void receptiveFieldMarginIsWhereTheGradientReaches(String layer) throws Throwable {
        // Direct kernels: Winograd's input gradients leave rounding noise up to 4 px past
        // the receptive field, which is not where the gradient reaches but where its transforms round.
        dev.stylegrad.tensor.ConvAlgorithms.with(dev.stylegrad.tensor.ConvAlgorithm.DIRECT, () -> measureReach(layer));
    }

    private void measureReach(String layer) throws IOException {
        Vgg net = Vgg.load(MINI.resolve("mini_vgg19_legacy.pth"), layer, Vgg.Pooling.AVG);
        int stride = Vgg.stride(layer), margin = Vgg.receptiveFieldMargin(layer), side = 256;
        Nd4j.getRandom().setSeed(7);
        Tensor image = Tensor.parameter(Nd4j.rand(DataType.FLOAT, 1, 3, side, side).subi(0.5));
        Tensor f = net.forward(image, List.of(layer)).get(layer);
        long p = f.shape()[2] / 2, q = f.shape()[3] / 2;
        Ops.sum(Ops.slice(f, new long[] {0, 0, p, q}, new long[] {1, f.shape()[1], p + 1, q + 1})).backward();
        INDArray reach = Nd4j.math().abs(image.grad()).sum(0, 1); // [H, W]
        int top = side, bottom = -1, left = side, right = -1;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if (reach.getDouble(y, x) == 0) continue;
                top = Math.min(top, y);
                bottom = Math.max(bottom, y);
                left = Math.min(left, x);
                right = Math.max(right, x);
            }
        }
        assertThat(new int[] {top, bottom, left, right}).containsExactly((int) (p * stride - margin), (int) ((p + 1) * stride - 1 + margin),
                (int) (q * stride - margin), (int) ((q + 1) * stride - 1 + margin));
    }
}
