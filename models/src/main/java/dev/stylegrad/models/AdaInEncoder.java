package dev.stylegrad.models;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.io.WeightsReader;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The AdaIN encoder: naoto0804/pytorch-AdaIN's {@code net.vgg} cut after relu4_1 (its first 31 modules), as
 * {@code test.py} and {@code train.py} use it. A 1×1 convolution 3→3 that carries the preprocessing (the published file's
 * turns 0..1 RGB into Caffe's mean-subtracted 0..255 BGR), then VGG19's convolutions up to conv4_1, each with reflection
 * padding of 1 and a ReLU, and 2×2 max pooling in ceil mode after blocks 1, 2 and 3. Pixels are 0..1 in.
 *
 * <p>Loads the published {@code vgg_normalised.pth} as it is (keys {@code 0.weight}, {@code 2.weight}, … of the whole
 * 53-module VGG19; the keys past relu4_1 are read past, as the reference's cut drops them), our safetensors under the
 * same names, or a torchvision VGG19 through {@link #fromTorchvisionVgg19}. Widths come from the file (the reference's
 * are 64, 128, 256, 512).
 *
 * <p>Threads: frozen once built (its weights never change), so one encoder may serve any number of threads at once.
 */
public final class AdaInEncoder {
    /** The reference's widths of blocks 1 to 4. */
    public static final int[] REFERENCE_WIDTHS = {64, 128, 256, 512};
    /**
     * The smallest side a picture may have: relu4_1 sits 3 poolings deep and its reflection padding needs 2 positions,
     * so ⌈side / 8⌉ ≥ 2.
     */
    public static final int MINIMUM_SIDE = 9;

    private static final List<AdaInLayer> LAYERS = List.of(
            AdaInLayer.conv(0, 1, false),
            AdaInLayer.conv(2, 3, true), AdaInLayer.conv(5, 3, true), AdaInLayer.pool(),
            AdaInLayer.conv(9, 3, true), AdaInLayer.conv(12, 3, true), AdaInLayer.pool(),
            AdaInLayer.conv(16, 3, true), AdaInLayer.conv(19, 3, true), AdaInLayer.conv(22, 3, true), AdaInLayer.conv(25, 3, true), AdaInLayer.pool(),
            AdaInLayer.conv(29, 3, true));
    /** Positions in {@link #LAYERS} after which relu1_1, relu2_1, relu3_1 and relu4_1 are ready. */
    private static final int[] STYLE_LAYER_ENDS = {2, 5, 8, 13};
    /** The keys of the whole VGG19 past relu4_1 (conv4_2 … conv5_4), which the published file holds and the cut drops. */
    private static final Set<String> PAST_THE_CUT = Set.of("32", "35", "38", "42", "45", "48", "51");
    /** torchvision's VGG19 {@code features} indices of conv1_1 … conv4_1, in the order of this network's 3×3 convolutions. */
    private static final int[] TORCHVISION_INDICES = {0, 2, 5, 7, 10, 12, 14, 16, 19};

    private final Map<String, Tensor> parameters;
    private final int[] widths;

    private AdaInEncoder(Map<String, Tensor> parameters, int[] widths) {
        this.parameters = parameters;
        this.widths = widths;
        StateDicts.freezeConvolutions(parameters.values());
    }

    /** The layers, in order (for the tiles' reach). */
    public static List<AdaInLayer> layers() {
        return LAYERS;
    }

    /** The stride of relu4_1's positions in pixels (three poolings). */
    public static int stride() {
        return 8;
    }

    /**
     * Loads the encoder from {@code vgg_normalised.pth} (either serialization, through the restricted unpickler) or a
     * safetensors file with its keys; a torchvision VGG19 ({@code features.0.weight} …) goes to {@link #fromTorchvisionVgg19}.
     *
     * @throws WeightsFormatException naming the file and the key if a parameter is missing, does not take what the
     *     convolution before it gives, or the file holds keys the whole VGG19 does not have
     */
    public static AdaInEncoder load(Path file) throws IOException {
        Map<String, long[]> shapes = StateDicts.shapes(file);
        if (!shapes.containsKey("0.weight") && shapes.containsKey("features.0.weight")) return fromTorchvisionVgg19(file);
        // Each convolution's width is read from the file (the reference's are uniform per block; any chain loads).
        Map<String, long[]> layout = new LinkedHashMap<>();
        long in = 3;
        for (AdaInLayer l : LAYERS) {
            if (l.kind() != AdaInLayer.Kind.CONV) continue;
            long out = StateDicts.convolutionWeight(file, shapes, l.weightKey(), "an AdaIN encoder (vgg_normalised.pth)")[0];
            layout.put(l.weightKey(), new long[] {out, in, l.kernel(), l.kernel()});
            layout.put(l.biasKey(), new long[] {out});
            in = out;
        }
        int[] widths = new int[4];
        String[] keys = {"2.weight", "9.weight", "16.weight", "29.weight"};
        for (int i = 0; i < 4; i++) widths[i] = Math.toIntExact(layout.get(keys[i])[0]);
        Map<String, Tensor> params = StateDicts.read(file, layout,
                k -> PAST_THE_CUT.contains(k.substring(0, Math.max(0, k.indexOf('.')))), "an AdaIN encoder of widths " + format(widths));
        return new AdaInEncoder(constants(params), widths);
    }

    /**
     * The encoder built from a torchvision VGG19 ({@code features.0.weight} …, as {@code vgg19-dcbb9e9d.pth} or its
     * features-only cache): the same convolutions, and a 1×1 convolution doing ImageNet's normalization of 0..1 pixels,
     * (x − mean) / std per channel. Not the published encoder (that one comes from Caffe's VGG19), but the same network.
     */
    public static AdaInEncoder fromTorchvisionVgg19(Path file) throws IOException {
        Map<String, Tensor> params = new LinkedHashMap<>();
        float[] w = new float[9], b = new float[3];
        for (int c = 0; c < 3; c++) {
            w[c * 4] = (float) (1 / ImageNet.std(c));
            b[c] = (float) (-ImageNet.mean(c) / ImageNet.std(c));
        }
        params.put("0.weight", Tensor.constant(MemoryScope.outside(() -> Nd4j.create(w, new long[] {3, 3, 1, 1}, DataType.FLOAT))));
        params.put("0.bias", Tensor.constant(MemoryScope.outside(() -> Nd4j.create(b, new long[] {3}, DataType.FLOAT))));
        try (WeightsReader reader = WeightsFiles.open(file)) {
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) infos.put(t.name(), t);
            int k = 0;
            for (AdaInLayer l : LAYERS) {
                if (l.kind() != AdaInLayer.Kind.CONV || l.kernel() == 1) continue;
                String name = "features." + TORCHVISION_INDICES[k++];
                for (String part : new String[] {".weight", ".bias"}) {
                    if (!infos.containsKey(name + part)) {
                        throw new WeightsFormatException(file, "missing " + name + part + ": not a torchvision VGG19 (its keys start with "
                                + String.join(", ", infos.keySet().stream().limit(4).toList()) + ")");
                    }
                }
                params.put(l.weightKey(), Tensor.constant(MemoryScope.outside(() -> read(reader, name + ".weight"))));
                params.put(l.biasKey(), Tensor.constant(MemoryScope.outside(() -> read(reader, name + ".bias"))));
            }
        }
        int[] widths = {(int) params.get("2.weight").shape()[0], (int) params.get("9.weight").shape()[0],
                (int) params.get("16.weight").shape()[0], (int) params.get("29.weight").shape()[0]};
        long in = 3;
        for (AdaInLayer l : LAYERS) { // each convolution must take what the one before it gives
            if (l.kind() != AdaInLayer.Kind.CONV) continue;
            long[] s = params.get(l.weightKey()).shape();
            if (s.length != 4 || s[1] != in || s[2] != l.kernel() || s[3] != l.kernel() || !java.util.Arrays.equals(params.get(l.biasKey()).shape(), new long[] {s[0]})) {
                throw new WeightsFormatException(file, "the convolution that becomes " + l.weightKey() + " has shape " + Shapes.format(s)
                        + " (bias " + Shapes.format(params.get(l.biasKey()).shape()) + "), expected [out, " + in + ", " + l.kernel() + ", " + l.kernel() + "]");
            }
            in = s[0];
        }
        return new AdaInEncoder(params, widths);
    }

    private static INDArray read(WeightsReader reader, String name) {
        try {
            return reader.read(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Tensor> constants(Map<String, Tensor> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, Tensor.constant(v.value())));
        return out;
    }

    static String format(int[] widths) {
        return widths[0] + ", " + widths[1] + ", " + widths[2] + ", " + widths[3];
    }

    /** Widths of blocks 1 to 4 (relu4_1 has the last). */
    public int[] widths() {
        return widths.clone();
    }

    /** Writes the parameters as safetensors under the reference's names (atomically), loadable by {@link #load}. */
    public void save(Path file) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        parameters.forEach((name, t) -> tensors.put(name, t.value()));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "stylegrad", "AdaIN encoder (pytorch-AdaIN net.vgg, first 31 modules)"));
    }

    /** relu4_1 of pictures [N, 3, H, W] (pixels 0..1); records on the tape when the input needs a gradient. */
    public Tensor encode(Tensor pictures) {
        return run(pictures, LAYERS.size(), null);
    }

    /** relu1_1, relu2_1, relu3_1 and relu4_1 of pictures [N, 3, H, W] (the training's style layers). */
    public List<Tensor> encodeWithIntermediate(Tensor pictures) {
        List<Tensor> out = new ArrayList<>();
        run(pictures, LAYERS.size(), out);
        return out;
    }

    /** relu4_1 of pictures [N, 3, H, W] (pixels 0..1) without a tape: float32. */
    public INDArray apply(INDArray pictures) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return encode(Tensor.constant(pictures.dataType() == DataType.FLOAT ? pictures : pictures.castTo(DataType.FLOAT))).value();
        }
    }

    private Tensor run(Tensor x, int end, List<Tensor> styleLayers) {
        Shapes.requireRank("AdaInEncoder", "pictures [N, 3, H, W]", x.value(), 4);
        long[] s = x.shape();
        if (s[1] != 3) throw new IllegalArgumentException("AdaInEncoder: pictures must have 3 channels, got shape " + Shapes.format(s));
        if (Math.min(s[2], s[3]) < MINIMUM_SIDE) {
            throw new IllegalArgumentException("AdaInEncoder: pictures must be at least " + MINIMUM_SIDE + " pixels on each side (relu4_1 is 8 times "
                    + "smaller and its padding needs 2), got " + s[3] + "x" + s[2]);
        }
        int next = 0;
        Tensor input = x;
        List<Tensor> kept = styleLayers == null ? List.of() : styleLayers;
        for (int i = 0; i < end; i++) {
            AdaInLayer l = LAYERS.get(i);
            Tensor in = x;
            x = l.apply(in, parameters.get(l.weightKey()), parameters.get(l.biasKey()));
            if (in != input) AdaInLayer.releaseIfDone(in, x, input, kept);
            if (styleLayers != null && next < STYLE_LAYER_ENDS.length && i + 1 == STYLE_LAYER_ENDS[next]) {
                styleLayers.add(x);
                next++;
            }
        }
        return x;
    }
}
