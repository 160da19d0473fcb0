package dev.stylegrad.models;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The AdaIN decoder: naoto0804/pytorch-AdaIN's {@code net.decoder}, module for module. Reflection-padded 3×3
 * convolutions with ReLU: d→c, nearest ×2, c→c three times, c→b, nearest ×2, b→b, b→a, nearest ×2, a→a, and a→3 without
 * ReLU (the reference's d, c, b, a = 512, 256, 128, 64). Its output is the picture in 0..1, not clamped (the
 * reference clamps when saving; so does {@code adain}).
 *
 * <p>Parameters carry the reference's state-dict names ({@code 1.weight}, {@code 5.weight}, …, {@code 28.bias}), so the
 * published {@code decoder.pth} and the {@code decoder_iter_N.pth.tar} files {@code train.py} writes load as they are.
 *
 * <p>Threads: {@link #apply} may run from several threads at once once the network is {@link #freeze frozen} or while
 * nothing trains it; training changes the parameters in place and must not overlap with anything else on the network.
 */
public final class AdaInDecoder {
    private static final List<AdaInLayer> LAYERS = List.of(
            AdaInLayer.conv(1, 3, true), AdaInLayer.up(),
            AdaInLayer.conv(5, 3, true), AdaInLayer.conv(8, 3, true), AdaInLayer.conv(11, 3, true), AdaInLayer.conv(14, 3, true), AdaInLayer.up(),
            AdaInLayer.conv(18, 3, true), AdaInLayer.conv(21, 3, true), AdaInLayer.up(),
            AdaInLayer.conv(25, 3, true), AdaInLayer.conv(28, 3, false));

    private final Map<String, Tensor> parameters;
    private final int[] widths;
    private volatile boolean frozen;

    private AdaInDecoder(Map<String, Tensor> parameters, int[] widths) {
        this.parameters = parameters;
        this.widths = widths;
    }

    /** The layers, in order (for the tiles' reach). */
    public static List<AdaInLayer> layers() {
        return LAYERS;
    }

    /** Every parameter's name and shape for widths a, b, c, d (the encoder's), in the reference's state-dict order. */
    public static Map<String, long[]> layout(int a, int b, int c, int d) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int[] ins = {d, c, c, c, c, b, b, a, a};
        int[] outs = {c, c, c, c, b, b, a, a, 3};
        int k = 0;
        for (AdaInLayer l : LAYERS) {
            if (l.kind() != AdaInLayer.Kind.CONV) continue;
            m.put(l.weightKey(), new long[] {outs[k], ins[k], 3, 3});
            m.put(l.biasKey(), new long[] {outs[k]});
            k++;
        }
        return m;
    }

    /**
     * A new decoder of widths a, b, c, d, initialized as PyTorch initializes {@code nn.Conv2d}: weights and biases
     * uniform in ±1/√(fan-in). The same seed gives the same network (not PyTorch's numbers: its generator is another).
     */
    public static AdaInDecoder create(int a, int b, int c, int d, long seed) {
        if (a < 1 || b < 1 || c < 1 || d < 1) throw new IllegalArgumentException("AdaInDecoder: widths must be positive, got " + a + ", " + b + ", " + c + ", " + d);
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> layout = layout(a, b, c, d);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            long[] shape = e.getValue();
            long[] w = layout.get(e.getKey().replace(".bias", ".weight"));
            double bound = 1 / Math.sqrt((double) w[1] * w[2] * w[3]);
            float[] v = new float[Math.toIntExact(Shapes.size(shape))];
            for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * random.nextDouble() - 1) * bound);
            params.put(e.getKey(), Tensor.parameter(MemoryScope.outside(() -> Nd4j.create(v, shape, DataType.FLOAT))));
        }
        return new AdaInDecoder(params, new int[] {a, b, c, d});
    }

    /**
     * Loads a decoder from a state dict: the reference's {@code .pth} (either serialization, through the restricted
     * unpickler) or a safetensors file {@link #save} wrote.
     *
     * @throws WeightsFormatException naming the file and the key if a parameter is missing, has another shape than
     *     the widths read from keys 1, 14, 21 and 28 imply, or the file holds keys the decoder does not have
     */
    public static AdaInDecoder load(Path file) throws IOException {
        Map<String, long[]> shapes = StateDicts.shapes(file);
        String what = "an AdaIN decoder (decoder.pth)";
        long[] first = StateDicts.convolutionWeight(file, shapes, "1.weight", what);
        int d = Math.toIntExact(first[1]), c = Math.toIntExact(first[0]);
        int b = Math.toIntExact(StateDicts.convolutionWeight(file, shapes, "14.weight", what)[0]);
        int a = Math.toIntExact(StateDicts.convolutionWeight(file, shapes, "21.weight", what)[0]);
        int[] widths = {a, b, c, d};
        return new AdaInDecoder(StateDicts.read(file, layout(a, b, c, d), k -> false, "an AdaIN decoder of widths " + AdaInEncoder.format(widths)), widths);
    }

    /** Writes the parameters as safetensors under the reference's names (atomically), loadable by {@link #load}. */
    public void save(Path file) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        parameters.forEach((name, t) -> tensors.put(name, t.value()));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "stylegrad", "AdaIN decoder (pytorch-AdaIN net.decoder)"));
    }

    /**
     * Promises that the parameters never change again (a decoder loaded to stylize, not to train), so its
     * convolutions may keep the weights in their kernels' layouts. Training a frozen decoder is refused.
     */
    public AdaInDecoder freeze() {
        if (!frozen) {
            StateDicts.freezeConvolutions(parameters.values());
            frozen = true;
        }
        return this;
    }

    /** Whether {@link #freeze} was called (training refuses a frozen decoder: its kernels would keep the old weights). */
    public boolean frozen() {
        return frozen;
    }

    /** The trainable parameters by their state-dict names, in the reference's order (the tensors themselves, not copies). */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Widths a, b, c, d (the reference's: 64, 128, 256, 512; d is relu4_1's). */
    public int[] widths() {
        return widths.clone();
    }

    /** The decoder on features [N, d, h, w]; records on the tape when gradients are on. */
    public Tensor forward(Tensor features) {
        Shapes.requireRank("AdaInDecoder", "features [N, C, H, W]", features.value(), 4);
        if (features.shape()[1] != widths[3]) {
            throw new IllegalArgumentException("AdaInDecoder: features must have " + widths[3] + " channels (the encoder's relu4_1), got shape "
                    + Shapes.format(features.shape()));
        }
        if (Math.min(features.shape()[2], features.shape()[3]) < 2) {
            throw new IllegalArgumentException("AdaInDecoder: features must be at least 2 positions on each side (reflection padding), got shape "
                    + Shapes.format(features.shape()));
        }
        Tensor x = features;
        for (AdaInLayer l : LAYERS) {
            Tensor in = x;
            x = l.apply(in, parameters.get(l.weightKey()), parameters.get(l.biasKey()));
            if (in != features) AdaInLayer.releaseIfDone(in, x, features, List.of());
        }
        return x;
    }

    /** Features [N, d, h, w] through the decoder without a tape: float32 pictures [N, 3, 8h, 8w], not clamped. */
    public INDArray apply(INDArray features) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return forward(Tensor.constant(features.dataType() == DataType.FLOAT ? features : features.castTo(DataType.FLOAT))).value();
        }
    }
}
