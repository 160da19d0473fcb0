package dev.stylegrad.models;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.layers.Sequential;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.Pool2dSpec;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.tensor.Shapes;
import dev.stylegrad.io.NonFiniteWeightsException;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.io.WeightsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * VGG19's convolutional feature network (torchvision's {@code features}), its layers named by block and position
 * ({@code conv3_1}, {@code relu3_1}, {@code pool3}), built from a weights file and run only as deep as asked.
 *
 * <p>Layers in order: {@code conv1_1 relu1_1 conv1_2 relu1_2 pool1 conv2_1 … pool5}; 16 convolutions (3×3, stride 1,
 * pad 1) at torchvision indices 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34; 2×2 stride-2 pooling after
 * each block. Channel widths come from the file. Weights are frozen: running the network on an image that needs a
 * gradient computes input gradients only.
 *
 * <p>Threads: immutable once loaded, so one {@code Vgg} may serve any number of threads at once ({@link #forward}
 * from several threads gives each exactly what it gives alone); each call's activations belong to the calling
 * thread's memory scope.
 */
public final class Vgg {
    /** Pooling between blocks: max as trained, or average (smoother results, as Gatys et al. suggest). */
    public enum Pooling {
        MAX, AVG;

        public static Pooling parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "max" -> MAX;
                case "avg", "average" -> AVG;
                default -> throw new IllegalArgumentException("pooling must be 'max' or 'avg', got '" + s + "'");
            };
        }
    }

    /**
     * Which VGG: VGG19 (the style transfer's network, 16 convolutions in blocks of 2, 2, 4, 4, 4) or VGG16 (the loss
     * network of feed-forward style networks, 13 in blocks of 2, 2, 3, 3, 3; torchvision's {@code vgg16} key layout,
     * {@code features.0} … {@code features.28}). Layer names follow the same scheme ({@code relu4_3} exists in both,
     * {@code relu3_4} only in VGG19). The static helpers of {@link Vgg} ({@link Vgg#layerNames}, {@link Vgg#stride},
     * …) are these methods of VGG19.
     */
    public enum Architecture {
        VGG16(2, 2, 3, 3, 3),
        VGG19(2, 2, 4, 4, 4);

        private final int[] blockSizes;
        private final List<VggLayer> table;

        Architecture(int... blockSizes) {
            this.blockSizes = blockSizes;
            this.table = buildLayerTable(blockSizes);
        }

        private static List<VggLayer> buildLayerTable(int[] blocks) {
            List<VggLayer> out = new ArrayList<>();
            int torch = 0, conv = 0;
            for (int block = 1; block <= blocks.length; block++) {
                for (int i = 1; i <= blocks[block - 1]; i++) {
                    out.add(new VggLayer("conv" + block + "_" + i, Kind.CONV, torch++, conv++));
                    out.add(new VggLayer("relu" + block + "_" + i, Kind.RELU, torch++, -1));
                }
                out.add(new VggLayer("pool" + block, Kind.POOL, torch++, -1));
            }
            return List.copyOf(out);
        }

        /** Convolutions per block, blocks 1 to 5: {2, 2, 4, 4, 4} for VGG19, {2, 2, 3, 3, 3} for VGG16. */
        public int[] blockSizes() {
            return blockSizes.clone();
        }

        /** Every layer name of this network, in order. */
        public List<String> layerNames() {
            return table.stream().map(VggLayer::name).toList();
        }

        /**
         * The pixel spacing of {@code layer}'s positions: 2^(poolings up to and including it). Position p of the
         * layer sits on the pixel cell [p·stride, (p+1)·stride) of the image.
         *
         * @throws IllegalArgumentException if {@code layer} is not one of this network's layer names
         */
        public int stride(String layer) {
            int stride = 1;
            for (VggLayer l : prefixThrough(layer)) if (l.kind() == Kind.POOL) stride *= 2;
            return stride;
        }

        /**
         * How far {@code layer}'s receptive field reaches beyond its position's pixel cell, on each side, in pixels:
         * each 3×3 convolution adds one position of its input's spacing, pooling (2×2, stride 2, on an aligned grid)
         * adds nothing. For VGG19's relu5_1 it is 70 px (a field of 156 px). A feature depends on no pixel farther
         * than this from its cell, which is what makes tiles with a halo this wide exact.
         *
         * @throws IllegalArgumentException if {@code layer} is not one of this network's layer names
         */
        public int receptiveFieldMargin(String layer) {
            int stride = 1, margin = 0;
            for (VggLayer l : prefixThrough(layer)) {
                if (l.kind() == Kind.CONV) margin += stride;
                else if (l.kind() == Kind.POOL) stride *= 2;
            }
            return margin;
        }

        /**
         * The smallest image side (in pixels) that reaches {@code layer}: each 2x2 pooling before it halves the size
         * and needs at least 2 pixels, so 2^(poolings up to and including it).
         *
         * @throws IllegalArgumentException if {@code layer} is not one of this network's layer names
         */
        public int minimumSide(String layer) {
            int pools = 0;
            for (VggLayer l : prefixThrough(layer)) if (l.kind() == Kind.POOL) pools++; // a pooling layer itself needs 2 px too
            return 1 << pools;
        }

        /**
         * The deepest of the given layer names (for {@link Vgg#load}'s truncation).
         *
         * @throws IllegalArgumentException if there are none, or one is not one of this network's layer names
         */
        public String deepestOf(Collection<String> names) {
            String best = null;
            int bestIndex = -1;
            for (String n : names) {
                int i = indexOf(n);
                if (i > bestIndex) {
                    bestIndex = i;
                    best = n;
                }
            }
            if (best == null) throw new IllegalArgumentException("no layer names given");
            return best;
        }

        private List<VggLayer> prefixThrough(String deepestLayer) {
            return table.subList(0, indexOf(deepestLayer) + 1);
        }

        private int indexOf(String name) {
            for (int i = 0; i < table.size(); i++) if (table.get(i).name().equals(name)) return i;
            String last = table.get(table.size() - 2).name().replace("relu", "");
            throw new IllegalArgumentException("unknown " + this + " layer '" + name + "'; valid names are conv1_1..conv" + last
                    + ", relu1_1..relu" + last + ", pool1..pool5");
        }
    }

    /** One row of the layer table: name, kind, and for convolutions the torchvision index and ordinal (0..15). */
    private record VggLayer(String name, Kind kind, int torchIndex, int conv) {}

    private enum Kind { CONV, RELU, POOL }

    private final List<VggLayer> layers;   // prefix of the architecture's table up to the deepest loaded layer
    private final Tensor[] weights;        // per conv ordinal
    private final Tensor[] biases;
    private final Pooling pooling;
    private final Path source;
    private final Precision gradientPrecision;
    private final Architecture architecture;

    private Vgg(Architecture architecture, List<VggLayer> layers, Tensor[] weights, Tensor[] biases, Pooling pooling, Path source,
            Precision gradientPrecision) {
        this.architecture = architecture;
        this.layers = layers;
        this.weights = weights;
        this.biases = biases;
        this.pooling = pooling;
        this.source = source;
        this.gradientPrecision = gradientPrecision;
        // The network is frozen: its convolutions may keep the weights in their kernels' layouts.
        for (Tensor w : weights) Kernels.freezeConvolutionWeight(w.value());
    }

    /** Every VGG19 layer name, in network order ({@link Architecture#layerNames} of VGG19). */
    public static List<String> layerNames() {
        return Architecture.VGG19.layerNames();
    }

    /**
     * Loads the convolutions needed to compute {@code deepestLayer} (e.g. {@code relu5_1}) from a weights file
     * (.pth in either serialization, or safetensors), reading nothing else from it. Pass {@code "pool5"} for the
     * whole network.
     *
     * @throws WeightsFormatException if the file lacks a needed {@code features.N.weight/bias}, or their shapes do
     *     not chain into a VGG19 (3 input channels, 3×3 kernels, each conv's input width = the previous output)
     * @throws IllegalArgumentException if {@code deepestLayer} is not a layer name
     */
    public static Vgg load(Path file, String deepestLayer, Pooling pooling) throws IOException {
        return load(Architecture.VGG19, file, deepestLayer, pooling);
    }

    /**
     * {@link #load(Path, String, Pooling)} for either architecture: a VGG16 state dict ({@code vgg16-397923af.pth}'s
     * layout) with {@link Architecture#VGG16}.
     */
    public static Vgg load(Architecture architecture, Path file, String deepestLayer, Pooling pooling) throws IOException {
        List<VggLayer> prefix = architecture.prefixThrough(deepestLayer);
        int convs = (int) prefix.stream().filter(l -> l.kind() == Kind.CONV).count();
        try (WeightsReader reader = WeightsFiles.open(file)) {
            Map<String, TensorInfo> infos = new HashMap<>();
            for (TensorInfo t : reader.tensors()) infos.put(t.name(), t);
            Tensor[] w = new Tensor[convs];
            Tensor[] b = new Tensor[convs];
            long inChannels = 3;
            for (VggLayer layer : prefix) {
                if (layer.kind() != Kind.CONV) continue;
                String wKey = "features." + layer.torchIndex() + ".weight";
                String bKey = "features." + layer.torchIndex() + ".bias";
                TensorInfo wi = require(file, infos, wKey, layer);
                TensorInfo bi = require(file, infos, bKey, layer);
                long[] ws = wi.shape();
                if (ws.length != 4 || ws[1] != inChannels || ws[2] != 3 || ws[3] != 3 || ws[0] < 1) {
                    throw new WeightsFormatException(file, wKey + " (" + layer.name() + ") should have shape [out, " + inChannels
                            + ", 3, 3], found " + Shapes.format(ws) + (layer.conv() == 0 ? "" : " (its input width must equal the previous conv's output width)")
                            + "; is this a VGG19 weights file?");
                }
                if (bi.shape().length != 1 || bi.shape()[0] != ws[0]) {
                    throw new WeightsFormatException(file, bKey + " (" + layer.name() + ") should have shape [" + ws[0] + "], found " + Shapes.format(bi.shape()));
                }
                requireFloat(file, wi);
                requireFloat(file, bi);
                w[layer.conv()] = Tensor.constant(NonFiniteWeightsException.requireFinite(file, wKey, reader.read(wKey)));
                b[layer.conv()] = Tensor.constant(NonFiniteWeightsException.requireFinite(file, bKey, reader.read(bKey)));
                inChannels = ws[0];
            }
            return new Vgg(architecture, prefix, w, b, pooling, file, Precision.FP32);
        }
    }

    /**
     * This network computing in another floating-point type (its weights converted once), e.g. float64 for
     * gradient checks and for exactness tests that must see differences far below float32 rounding.
     */
    public Vgg withDataType(DataType type) {
        Tensor[] w = new Tensor[weights.length], b = new Tensor[biases.length];
        for (int i = 0; i < weights.length; i++) {
            w[i] = Tensor.constant(weights[i].value().castTo(type).dup('c'));
            b[i] = Tensor.constant(biases[i].value().castTo(type).dup('c'));
        }
        return new Vgg(architecture, layers, w, b, pooling, source, gradientPrecision);
    }

    /**
     * This network with its convolutions' input gradients (the products that carry a gradient back to the image) in
     * {@code precision}, sharing this one's weights; the forward pass stays float32, so every activation and loss is
     * float32's. See {@link Precision}: BF16 rounds what those products read to bfloat16, sums and results float32.
     *
     * <p>Why the forward pass stays float32 (measured, benchmarks/RESULTS.md): 200 Adam steps at lr 0.03 on a 512-px
     * picture ended 28.8 dB (PSNR) from the float32 result with bfloat16 forwards too, 38.5 dB with bfloat16
     * gradients alone; float32 with other kernels (AVX2) ended 45.2 dB from it.
     *
     * @throws UnsupportedOperationException if {@code precision} cannot run here, with the reason
     */
    public Vgg withGradientPrecision(Precision precision) {
        precision.requireAvailable();
        return precision == gradientPrecision ? this : new Vgg(architecture, layers, weights, biases, pooling, source, precision);
    }

    /** What this network's input gradients multiply in (FP32 unless made by {@link #withGradientPrecision}). */
    public Precision gradientPrecision() {
        return gradientPrecision;
    }

    /** VGG19 unless loaded as VGG16. */
    public Architecture architecture() {
        return architecture;
    }

    /**
     * Runs the network on a normalized image batch [N, 3, H, W] up to the deepest of {@code outputs} and returns
     * those layers' activations (in the order asked). Records on the tape if {@code image} needs a gradient; without
     * a tape, each activation not asked for goes back to the open memory scope once the next layer has read it.
     *
     * @throws IllegalArgumentException for an unknown layer name or one deeper than this network was loaded to
     */
    public Map<String, Tensor> forward(Tensor image, Collection<String> outputs) {
        Shapes.requireRank("Vgg", "image [N, 3, H, W]", image.value(), 4);
        if (image.value().size(1) != 3) {
            throw new IllegalArgumentException("Vgg: image must have 3 channels, but has shape " + Shapes.format(image.shape()));
        }
        int deepest = -1;
        for (String name : outputs) deepest = Math.max(deepest, indexOf(name));
        return network(deepest, outputs).forward(image, outputs);
    }

    /**
     * The layer table through {@code deepest}, each layer under its name. A convolution whose own output is not in
     * {@code outputs} runs fused with the ReLU after it (no pre-activation array), under the ReLU's name.
     */
    private Sequential network(int deepest, Collection<String> outputs) {
        Sequential.Builder network = Sequential.builder();
        for (int i = 0; i <= deepest; i++) {
            VggLayer layer = layers.get(i);
            switch (layer.kind()) {
                case CONV -> {
                    Tensor weight = weights[layer.conv()], bias = biases[layer.conv()];
                    if (i + 1 <= deepest && layers.get(i + 1).kind() == Kind.RELU && !outputs.contains(layer.name())) {
                        network.add(layers.get(++i).name(),
                                x -> Ops.conv2dRelu(x, weight, bias, Conv2dSpec.SAME_3X3, Precision.FP32, gradientPrecision));
                    } else {
                        network.add(layer.name(), x -> Ops.conv2d(x, weight, bias, Conv2dSpec.SAME_3X3, Precision.FP32, gradientPrecision));
                    }
                }
                case RELU -> network.add(layer.name(), Ops::relu);
                case POOL -> network.add(layer.name(), x -> pool(layer.name(), x));
            }
        }
        return network.build();
    }

    private Tensor pool(String name, Tensor x) {
        if (x.value().size(2) < 2 || x.value().size(3) < 2) {
            throw new IllegalArgumentException("Vgg: the image is too small to reach " + name + " (its input there is "
                    + x.value().size(2) + "x" + x.value().size(3) + "; each pooling halves the size)");
        }
        return pooling == Pooling.MAX ? Ops.maxPool2d(x, Pool2dSpec.VGG) : Ops.avgPool2d(x, Pool2dSpec.VGG);
    }

    /** The names this instance can compute, in order (a prefix of {@link #layerNames()}). */
    public List<String> availableLayers() {
        return layers.stream().map(VggLayer::name).toList();
    }

    /** Output channels of each loaded convolution, in order (as read from the file). */
    public List<Long> widths() {
        List<Long> out = new ArrayList<>();
        for (Tensor w : weights) out.add(w.value().size(0));
        return Collections.unmodifiableList(out);
    }

    /** The loaded convolutions' weights and biases, in network order; for tests (frozen: they never get a gradient). */
    List<Tensor> parameters() {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            out.add(weights[i]);
            out.add(biases[i]);
        }
        return out;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Path source() {
        return source;
    }

    /**
     * How to load this network again elsewhere (another JVM, a Spark executor): its file, layers, pooling, gradient
     * precision and data type. Loading it where the same file is readable gives the same weights, bit for bit.
     */
    public Spec spec() {
        return new Spec(architecture, source.toAbsolutePath().toString(), layers.get(layers.size() - 1).name(), pooling, gradientPrecision,
                weights[0].value().dataType().name());
    }

    /** {@link #spec()}: a serializable recipe for this network. */
    public record Spec(Architecture architecture, String file, String deepestLayer, Pooling pooling, Precision precision, String dataType)
            implements java.io.Serializable {
        /** Loads the network the recipe describes (from {@link #file} as this JVM sees it). */
        public Vgg load() throws IOException {
            Vgg net = Vgg.load(architecture, Path.of(file), deepestLayer, pooling).withGradientPrecision(precision);
            DataType type = DataType.valueOf(dataType);
            return type == DataType.FLOAT ? net : net.withDataType(type);
        }
    }

    /** {@link Architecture#stride} of VGG19. */
    public static int stride(String layer) {
        return Architecture.VGG19.stride(layer);
    }

    /** {@link Architecture#receptiveFieldMargin} of VGG19 (70 px for relu5_1). */
    public static int receptiveFieldMargin(String layer) {
        return Architecture.VGG19.receptiveFieldMargin(layer);
    }

    /** {@link Architecture#minimumSide} of VGG19. */
    public static int minimumSide(String layer) {
        return Architecture.VGG19.minimumSide(layer);
    }

    /** {@link Architecture#deepestOf} of VGG19 (for {@link #load}'s truncation). */
    public static String deepestOf(Collection<String> names) {
        return Architecture.VGG19.deepestOf(names);
    }

    private int indexOf(String name) {
        int global = architecture.indexOf(name);
        if (global >= layers.size()) {
            throw new IllegalArgumentException(architecture + ": layer " + name + " is deeper than this network was loaded to ("
                    + layers.get(layers.size() - 1).name() + ")");
        }
        return global;
    }

    private static TensorInfo require(Path file, Map<String, TensorInfo> infos, String key, VggLayer layer) throws WeightsFormatException {
        TensorInfo info = infos.get(key);
        if (info == null) {
            List<String> features = infos.keySet().stream().filter(k -> k.startsWith("features.")).sorted().limit(6).toList();
            throw new WeightsFormatException(file, "missing " + key + " (needed for " + layer.name() + "); the file has "
                    + infos.size() + " tensors" + (features.isEmpty() ? " and none named features.*: is this a VGG19 state dict?" : ", e.g. " + features));
        }
        return info;
    }

    private static void requireFloat(Path file, TensorInfo info) throws WeightsFormatException {
        if (!info.dtype().equals("float32")) {
            throw new WeightsFormatException(file, info.name() + " should be float32, found " + info.dtype());
        }
    }


    @Override
    public String toString() {
        return architecture + "" + widths() + " " + pooling.name().toLowerCase(Locale.ROOT) + " pooling, through " + layers.get(layers.size() - 1).name() + " from " + source;
    }
}
