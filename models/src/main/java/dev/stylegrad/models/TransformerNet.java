package dev.stylegrad.models;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.layers.Layer;
import dev.stylegrad.autograd.layers.Residual;
import dev.stylegrad.autograd.layers.Sequential;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.NonFiniteWeightsException;
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
 * the parameters in place and must not overlap with anything else on the same network. A network only applied should
 * be {@link #freeze frozen}: its convolutions then keep their weights in the kernels' layouts and may use Winograd.
 */
public final class TransformerNet {
    /** The reference's widths (a, b, c). */
    public static final int[] REFERENCE_WIDTHS = {32, 64, 128};
    /**
     * The smallest side a picture may have: the first layer pads 4 px by reflection, which needs at least 5 (as in
     * PyTorch); the strided layers after it leave at least 2, which their own padding needs.
     */
    public static final int MINIMUM_SIDE = 5;

    private static final int RESIDUAL_BLOCKS = 5;
    private final Map<String, Tensor> parameters; // name -> trainable tensor, in the reference's state-dict order
    private final int[] widths;
    private final Sequential network;
    private volatile boolean frozen;

    private TransformerNet(Map<String, Tensor> parameters, int[] widths) {
        this.parameters = parameters;
        this.widths = widths;
        this.network = architecture();
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
                if (widths[i] < 1) throw new WeightsFormatException(file, w.name() + " has shape " + Shapes.format(w.shape()) + ": a layer without channels");
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
                INDArray values = MemoryScope.outside(() -> readOrThrow(reader, e.getKey()));
                params.put(e.getKey(), Tensor.parameter(NonFiniteWeightsException.requireFinite(file, e.getKey(), values)));
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

    /**
     * Promises that the parameters never change again (a network loaded to stylize, not to train), so its convolutions
     * may keep the weights in their kernels' layouts, as oneDNN's Winograd forward kernels need. Training a frozen
     * network is refused.
     */
    public TransformerNet freeze() {
        if (!frozen) {
            StateDicts.freezeConvolutions(parameters.values());
            frozen = true;
        }
        return this;
    }

    /** Whether {@link #freeze} was called (training refuses a frozen network: its kernels would keep the old weights). */
    public boolean frozen() {
        return frozen;
    }

    /**
     * Whether the network's output does not depend on a parameter (by name): a convolution's bias just before an
     * instance norm (which subtracts every channel's mean), and the bias of a residual block's last instance norm (a
     * per-channel constant in the residual stream, removed by the next instance norm after a convolution, since
     * reflection padding keeps a constant constant). Their exact gradient is zero, so Adam, which moves every weight by
     * about lr whatever the size of its gradient, follows the sign of rounding noise there (in PyTorch as here): two
     * trainings that differ only in rounding agree on every other parameter, not on these.
     */
    public static boolean outputIgnores(String parameter) {
        return OUTPUT_FREE.matcher(parameter).matches();
    }

    private static final java.util.regex.Pattern OUTPUT_FREE = java.util.regex.Pattern.compile("(?!deconv3\\.).*conv2d\\.bias|res[0-9]+\\.in2\\.bias");

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
        return network.forward(x);
    }

    /** The reference's layers, in its order, on this network's parameters. */
    private Sequential architecture() {
        Sequential.Builder layers = Sequential.builder()
                .add(convBlock("conv1", "in1", 9, 1))
                .add(convBlock("conv2", "in2", 3, 2))
                .add(convBlock("conv3", "in3", 3, 2));
        for (int r = 1; r <= RESIDUAL_BLOCKS; r++) layers.add(residualBlock("res" + r));
        return layers
                .add(upsampleBlock("deconv1", "in4"))
                .add(upsampleBlock("deconv2", "in5"))
                .add(conv("deconv3", 9, 1))
                .build();
    }

    /** The reference's {@code ConvLayer}: reflection padding of half the kernel, then the convolution. */
    private Sequential conv(String name, int kernel, int stride) {
        int pad = kernel / 2;
        Tensor weight = parameters.get(name + ".conv2d.weight"), bias = parameters.get(name + ".conv2d.bias");
        return Sequential.of(x -> Ops.reflectionPad2d(x, pad, pad, pad, pad), x -> Ops.conv2d(x, weight, bias, Conv2dSpec.of(stride, 0, 1)));
    }

    /** Affine instance norm with the named scale and shift. */
    private Layer instanceNorm(String name) {
        Tensor weight = parameters.get(name + ".weight"), bias = parameters.get(name + ".bias");
        return x -> Ops.instanceNorm2d(x, weight, bias);
    }

    /** Convolution, instance norm, ReLU. */
    private Sequential convBlock(String conv, String norm, int kernel, int stride) {
        return Sequential.of(conv(conv, kernel, stride), instanceNorm(norm), Ops::relu);
    }

    /** The reference's {@code ResidualBlock}: x + in2(conv2(relu(in1(conv1(x))))). */
    private Residual residualBlock(String name) {
        return Residual.of(convBlock(name + ".conv1", name + ".in1", 3, 1), conv(name + ".conv2", 3, 1), instanceNorm(name + ".in2"));
    }

    /** The reference's {@code UpsampleConvLayer} (nearest ×2, then the convolution), instance norm, ReLU. */
    private Sequential upsampleBlock(String conv, String norm) {
        return Sequential.of(x -> Ops.upsampleNearest2d(x, 2), convBlock(conv, norm, 3, 1));
    }

    /** One picture or a batch [N, 3, H, W] (pixels 0..255) through the network without a tape; float32 result. */
    public INDArray apply(INDArray pictures) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            INDArray x = pictures.dataType() == DataType.FLOAT ? pictures : pictures.castTo(DataType.FLOAT);
            return forward(Tensor.constant(x)).value();
        }
    }

    /** Parameter names, in order (for messages and tests). */
    List<String> names() {
        return new ArrayList<>(parameters.keySet());
    }
}
