package dev.stylegrad.models;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.io.WeightsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The transformer network of pytorch/examples' {@code fast_neural_style} ({@code TransformerNet}), layer for layer:
 * reflection-padded convolutions 9×9 3→a, 3×3 a→b stride 2, 3×3 b→c stride 2, each followed by affine instance norm
 * and ReLU; five residual blocks (conv 3×3, instance norm, ReLU, conv 3×3, instance norm, plus the block's input);
 * two up-sampling layers (nearest ×2, reflection-padded 3×3 convolution c→b and b→a, instance norm, ReLU); a final
 * reflection-padded 9×9 convolution a→3. The reference's widths are a, b, c = 32, 64, 128; they are read from the
 * file, so narrower networks of the same shape load too. Pixels are 0..255 in and out (the output is not clamped,
 * as the reference's is not; clamp when saving).
 *
 * <p>Parameters carry the reference's state-dict names ({@code conv1.conv2d.weight}, {@code in1.weight},
 * {@code res1.conv1.conv2d.weight}, {@code deconv1.conv2d.weight}, ...), so its {@code .pth} files load as they are;
 * {@code in*.running_mean}/{@code running_var} keys, which older reference models carry and instance norm without
 * running statistics never reads, are dropped.
 *
 * <p>Threads: {@link #apply} may run from several threads at once (the parameters are only read); training changes
 * the parameters in place and must not overlap with anything else on the same network.
 */
public final class TransformerNet {
    /** The reference's widths (a, b, c). */
    public static final int[] REFERENCE_WIDTHS = {32, 64, 128};

    private static final int RESIDUAL_BLOCKS = 5;
    private final Map<String, Tensor> parameters; // name -> trainable tensor, in the reference's state-dict order
    private final int[] widths;

    private TransformerNet(Map<String, Tensor> parameters, int[] widths) {
        this.parameters = parameters;
        this.widths = widths;
    }

    /** Every parameter's name and shape for widths a, b, c, in the reference's state-dict order. */
    public static Map<String, long[]> layout(int a, int b, int c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        conv(m, "conv1", 3, a, 9);
        norm(m, "in1", a);
        conv(m, "conv2", a, b, 3);
        norm(m, "in2", b);
        conv(m, "conv3", b, c, 3);
        norm(m, "in3", c);
        for (int r = 1; r <= RESIDUAL_BLOCKS; r++) {
            conv(m, "res" + r + ".conv1", c, c, 3);
            norm(m, "res" + r + ".in1", c);
            conv(m, "res" + r + ".conv2", c, c, 3);
            norm(m, "res" + r + ".in2", c);
        }
        conv(m, "deconv1", c, b, 3);
        norm(m, "in4", b);
        conv(m, "deconv2", b, a, 3);
        norm(m, "in5", a);
        conv(m, "deconv3", a, 3, 9);
        return m;
    }

    private static void conv(Map<String, long[]> m, String name, long in, long out, long k) {
        m.put(name + ".conv2d.weight", new long[] {out, in, k, k});
        m.put(name + ".conv2d.bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> m, String name, long channels) {
        m.put(name + ".weight", new long[] {channels});
        m.put(name + ".bias", new long[] {channels});
    }

    /**
     * A new network with widths a, b, c, initialized as PyTorch initializes the reference's layers: each convolution's
     * weight and bias uniform in ±1/√(fan-in) (what {@code kaiming_uniform_(a=√5)} and the bias rule of
     * {@code nn.Conv2d.reset_parameters} come to), instance norm scale 1 and shift 0. The same seed gives the same
     * network (not PyTorch's numbers: its generator is another).
     */
    public static TransformerNet create(int a, int b, int c, long seed) {
        if (a < 1 || b < 1 || c < 1) throw new IllegalArgumentException("TransformerNet: widths must be positive, got " + a + ", " + b + ", " + c);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        Map<String, long[]> layout = layout(a, b, c);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(Shapes.size(shape))];
            if (name.endsWith(".conv2d.weight") || name.endsWith(".conv2d.bias")) {
                long[] w = layout.get(name.substring(0, name.lastIndexOf('.')) + ".weight");
                double bound = 1 / Math.sqrt((double) w[1] * w[2] * w[3]);
                for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * random.nextDouble() - 1) * bound);
            } else if (name.endsWith(".weight")) {
                java.util.Arrays.fill(v, 1f);
            }
            params.put(name, Tensor.parameter(MemoryScope.outside(() -> org.nd4j.linalg.factory.Nd4j.create(v, shape, DataType.FLOAT))));
        }
        return new TransformerNet(params, new int[] {a, b, c});
    }

    /**
     * Loads a network from a state dict: the reference's {@code .pth} (either serialization, read with the same
     * restricted unpickler as the VGG weights) or a safetensors file {@link #save} wrote.
     *
     * @throws WeightsFormatException naming the file and the key if a parameter is missing, has another shape than
     *     the widths read from {@code conv1}, {@code conv2} and {@code conv3} imply, or the file holds keys this network
     *     does not have (other than running statistics)
     */
    public static TransformerNet load(Path file) throws IOException {
        try (WeightsReader reader = WeightsFiles.open(file)) {
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) infos.put(t.name(), t);
            int[] widths = new int[3];
            for (int i = 0; i < 3; i++) {
                TensorInfo w = infos.get("conv" + (i + 1) + ".conv2d.weight");
                if (w == null || w.shape().length != 4) {
                    throw new WeightsFormatException(file, "conv" + (i + 1) + ".conv2d.weight is missing or not a 4-d convolution "
                            + "weight: not a fast_neural_style TransformerNet state dict (its keys start with "
                            + String.join(", ", infos.keySet().stream().limit(4).toList()) + ")");
                }
                widths[i] = Math.toIntExact(w.shape()[0]);
            }
            Map<String, long[]> layout = layout(widths[0], widths[1], widths[2]);
            TreeSet<String> unknown = new TreeSet<>(infos.keySet());
            unknown.removeAll(layout.keySet());
            unknown.removeIf(k -> k.endsWith(".running_mean") || k.endsWith(".running_var"));
            if (!unknown.isEmpty()) {
                throw new WeightsFormatException(file, "holds keys a TransformerNet with widths " + widths[0] + ", " + widths[1] + ", "
                        + widths[2] + " does not have: " + String.join(", ", unknown));
            }
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : layout.entrySet()) {
                TensorInfo info = infos.get(e.getKey());
                if (info == null) throw new WeightsFormatException(file, "missing " + e.getKey() + " (shape " + Shapes.format(e.getValue()) + ")");
                if (!java.util.Arrays.equals(info.shape(), e.getValue())) {
                    throw new WeightsFormatException(file, e.getKey() + " has shape " + Shapes.format(info.shape()) + ", expected "
                            + Shapes.format(e.getValue()) + " for widths " + widths[0] + ", " + widths[1] + ", " + widths[2]);
                }
                params.put(e.getKey(), Tensor.parameter(MemoryScope.outside(() -> readOrThrow(reader, e.getKey()))));
            }
            return new TransformerNet(params, widths);
        }
    }

    private static INDArray readOrThrow(WeightsReader reader, String name) {
        try {
            return reader.read(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes the parameters as safetensors under the reference's names (atomically), loadable by {@link #load}. */
    public void save(Path file) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        parameters.forEach((name, t) -> tensors.put(name, t.value()));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "stylegrad", "fast_neural_style TransformerNet"));
    }

    /** The trainable parameters by their state-dict names, in the reference's order (the tensors themselves, not copies). */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Widths a, b, c (the reference's: 32, 64, 128). */
    public int[] widths() {
        return widths.clone();
    }

    /**
     * The network on pictures [N, 3, H, W] with pixels in 0..255; records on the tape when gradients are on. Without
     * a tape, each intermediate goes back to the open memory scope as soon as the next layer has read it (measured at
     * 1024×768: peak RSS 3.5 GB keeping them all until the scope closed).
     */
    public Tensor forward(Tensor x) {
        Shapes.requireRank("TransformerNet", "pictures [N, 3, H, W]", x.value(), 4);
        if (x.value().size(1) != 3) {
            throw new IllegalArgumentException("TransformerNet: pictures must have 3 channels, got shape " + Shapes.format(x.shape()));
        }
        Tensor y = layer("conv1", "in1", x, 9, 1, true);
        y = consumed(layer("conv2", "in2", y, 3, 2, true), y);
        y = consumed(layer("conv3", "in3", y, 3, 2, true), y);
        for (int r = 1; r <= RESIDUAL_BLOCKS; r++) {
            String p = "res" + r;
            Tensor out = layer(p + ".conv1", p + ".in1", y, 3, 1, true);
            Tensor branch = consumed(layer(p + ".conv2", p + ".in2", out, 3, 1, false), out);
            y = consumed(Ops.add(branch, y), branch, y);
        }
        Tensor up = consumed(Ops.upsampleNearest2d(y, 2), y);
        y = consumed(layer("deconv1", "in4", up, 3, 1, true), up);
        up = consumed(Ops.upsampleNearest2d(y, 2), y);
        y = consumed(layer("deconv2", "in5", up, 3, 1, true), up);
        Tensor padded = Ops.reflectionPad2d(y, 4, 4, 4, 4);
        return consumed(consumed(convolve("deconv3", padded, 1), padded), y);
    }

    /** Reflection pad, convolution, instance norm and, if asked, ReLU; intermediates released without a tape. */
    private Tensor layer(String conv, String norm, Tensor x, int kernel, int stride, boolean relu) {
        int pad = kernel / 2;
        Tensor padded = Ops.reflectionPad2d(x, pad, pad, pad, pad);
        Tensor c = consumed(convolve(conv, padded, stride), padded);
        Tensor n = consumed(Ops.instanceNorm2d(c, parameters.get(norm + ".weight"), parameters.get(norm + ".bias")), c);
        return relu ? consumed(Ops.relu(n), n) : n;
    }

    /** {@code result}, after handing {@code inputs}' memory back to the scope when no tape needs them. */
    private static Tensor consumed(Tensor result, Tensor... inputs) {
        if (!GradMode.isEnabled()) for (Tensor t : inputs) MemoryScope.release(t.value());
        return result;
    }

    /** One picture or a batch [N, 3, H, W] (pixels 0..255) through the network without a tape; float32 result. */
    public INDArray apply(INDArray pictures) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            INDArray x = pictures.dataType() == DataType.FLOAT ? pictures : pictures.castTo(DataType.FLOAT);
            return forward(Tensor.constant(x)).value();
        }
    }

    private Tensor convolve(String name, Tensor padded, int stride) {
        return Ops.conv2d(padded, parameters.get(name + ".conv2d.weight"), parameters.get(name + ".conv2d.bias"), Conv2dSpec.of(stride, 0, 1));
    }

    /** Parameter names, in order (for messages and tests). */
    List<String> names() {
        return new ArrayList<>(parameters.keySet());
    }
}
