package dev.stylegrad.style.adain;

import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.style.MemoryCheck;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.TilePolicy;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Stylizes a picture with any style in one pass of the AdaIN networks, as pytorch-AdaIN's {@code test.py} does:
 * relu4_1 of the content is given, channel by channel, the style's mean and standard deviation, t = σ(s)·(c − μ(c))/σ(c)
 * + μ(s); with several styles, t is their weighted sum ({@code --style_interpolation_weights}); the decoder gets
 * α·t + (1 − α)·c. With colour preservation each style first takes the content's colours ({@code coral}).
 *
 * <p>Since all of that is, per channel, c ↦ a·c + b with a and b from the whole picture's statistics, a print-size
 * picture is stylized exactly in tiles: a first pass encodes each tile's window and keeps its relu4_1 positions (and
 * adds their float64 sums), a second decodes each tile's window of relu4_1 and keeps the tile's own pixels. The result
 * equals the untiled one to float rounding.
 *
 * <p>The result has the content's size; the reference's is up to 7 pixels larger on each axis (ceil-mode pooling adds
 * a position for an odd side, which decodes to 8 pixels), and those extra rows and columns are cut.
 *
 * <p>Threads: immutable, and the networks it holds are frozen: one stylizer may serve any number of threads at once,
 * each call using its own thread's memory, which an untiled call keeps for the thread's next picture ({@link
 * #releaseMemory} frees it).
 */
public final class AdaInStylizer {
    /** Estimated float32 activations per pixel of a window at full resolution: the widest full-size layers hold about four arrays of the first width. */
    private static final int ACTIVATIONS_PER_PIXEL_PER_WIDTH = 4;
    /** The memory scope of every call on a thread: its buffers are reused by the thread's next picture (see {@link #releaseMemory}). */
    private static final String SCOPE = "adain-stylize";

    private final AdaInEncoder encoder;
    private final AdaInDecoder decoder;
    private final double alpha;
    private final boolean preserveColors;
    private final TilePolicy tiles;
    private final Consumer<String> progress;
    private final int trim;

    private AdaInStylizer(Builder b) {
        this.encoder = b.encoder;
        this.decoder = b.decoder.freeze();
        this.alpha = b.alpha;
        this.preserveColors = b.preserveColors;
        this.tiles = b.tiles;
        this.progress = b.progress;
        this.trim = b.trim;
        int[] e = encoder.widths(), d = decoder.widths();
        if (e[3] != d[3]) {
            throw new SettingsException("the decoder takes " + d[3] + " channels and the encoder's relu4_1 has " + e[3] + ": they are not a pair");
        }
    }

    /** A stylizer of these networks; the decoder is {@link AdaInDecoder#freeze frozen} by {@link Builder#build}. */
    public static Builder builder(AdaInEncoder encoder, AdaInDecoder decoder) {
        return new Builder(encoder, decoder);
    }

    /** The settings of a stylizer; defaults are the reference's (alpha 1, colours of the style) and {@code --tile auto}. */
    public static final class Builder {
        private final AdaInEncoder encoder;
        private final AdaInDecoder decoder;
        private double alpha = 1;
        private boolean preserveColors;
        private TilePolicy tiles = TilePolicy.parse("auto");
        private Consumer<String> progress = s -> {};
        private int trim;

        private Builder(AdaInEncoder encoder, AdaInDecoder decoder) {
            this.encoder = java.util.Objects.requireNonNull(encoder, "encoder");
            this.decoder = java.util.Objects.requireNonNull(decoder, "decoder");
        }

        /** How much of the style: 0 decodes the content's own features, 1 (the default) the fully stylized ones. */
        public Builder alpha(double alpha) {
            if (!(alpha >= 0 && alpha <= 1)) throw new SettingsException("alpha must be between 0 and 1, got " + alpha);
            this.alpha = alpha;
            return this;
        }

        /** Keep the content's colours (the reference's {@code --preserve_color}). */
        public Builder preserveColors(boolean preserve) {
            this.preserveColors = preserve;
            return this;
        }

        /** Tiles: {@code auto} (only when the untiled pass would not fit in half the memory available), {@code off}, or a side. */
        public Builder tiles(TilePolicy tiles) {
            this.tiles = java.util.Objects.requireNonNull(tiles, "tiles");
            return this;
        }

        /** Where one line per tile and pass goes (nowhere by default). */
        public Builder progress(Consumer<String> progress) {
            this.progress = java.util.Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** Windows this much smaller than exactness needs: only for the test that shows they must not be. */
        Builder trimForTest(int trim) {
            this.trim = trim;
            return this;
        }

        public AdaInStylizer build() {
            return new AdaInStylizer(this);
        }
    }

    /**
     * The content stylized with the styles blended by {@code weights} (normalized by their sum; null or empty: one
     * style), as 8-bit pictures; the result is clamped to 0..1 and rounded.
     */
    public RgbImage stylize(RgbImage content, List<RgbImage> styles, double[] weights) {
        List<INDArray> s = new ArrayList<>();
        for (RgbImage style : styles) s.add(toUnit(style));
        return Pictures.fromArray(stylize(toUnit(content), s, weights).muli(255));
    }

    /** An 8-bit picture as [1, 3, H, W] float32 in 0..1, as {@code transforms.ToTensor} gives it. */
    public static INDArray toUnit(RgbImage picture) {
        return Pictures.toArray(picture).divi(255);
    }

    /**
     * The content [1, 3, H, W] (0..1) stylized with the styles [1, 3, H', W'] blended by {@code weights}: float32
     * [1, 3, H, W], clamped to 0..1 as the reference saves it.
     *
     * @throws IllegalArgumentException if a picture is not [1, 3, H, W] or has a side under {@link AdaInEncoder#MINIMUM_SIDE}
     * @throws SettingsException if the weights do not match the styles or are not positive
     */
    public INDArray stylize(INDArray content, List<INDArray> styles, double[] weights) {
        INDArray out = decodeUnclamped(content, styles, weights);
        return org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(out, 0, false), 1, false);
    }

    /** {@link #stylize} without the clamp: the decoder's own output (what the reference's {@code style_transfer} returns). */
    INDArray decodeUnclamped(INDArray content, List<INDArray> styles, double[] weights) {
        checkPicture("content", content);
        if (styles.isEmpty()) throw new SettingsException("no style picture given");
        double[] w = normalized(weights, styles.size());
        String scope = SCOPE;
        boolean tiled = false;
        try {
            int channels = encoder.widths()[3];
            double[] scale = new double[channels], shift = new double[channels];
            for (int i = 0; i < styles.size(); i++) {
                INDArray style = styles.get(i);
                checkPicture("style " + (i + 1), style);
                if (preserveColors) style = Coral.transfer(style, content);
                ChannelStatistics s = statistics(style, scope, "style " + (i + 1));
                for (int c = 0; c < channels; c++) {
                    scale[c] += w[i] * s.std(c);
                    shift[c] += w[i] * s.mean(c);
                }
            }
            long h = content.size(2), wd = content.size(3);
            long side = tileSide(h, wd);
            AdaInTiles rows = new AdaInTiles(h, side >= h ? roundUp(h) : side, trim), cols = new AdaInTiles(wd, side >= wd ? roundUp(wd) : side, trim);
            tiled = rows.tiles().size() * cols.tiles().size() > 1;
            ChannelStatistics cs = new ChannelStatistics(channels);
            INDArray features = encodeAll(content, rows, cols, cs, scope);
            // t = S·(c − μc)/σc + M and α·t + (1 − α)·c, per channel: c ↦ a·c + b
            float[] a = new float[channels], b = new float[channels];
            for (int c = 0; c < channels; c++) {
                double ratio = scale[c] / cs.std(c);
                a[c] = (float) (alpha * ratio + (1 - alpha));
                b[c] = (float) (alpha * (shift[c] - ratio * cs.mean(c)));
            }
            try {
                return decodeAll(features, a, b, rows, cols, scope);
            } finally {
                if (features.closeable()) features.close(); // relu4_1 of a print is 1.6 GB: not left for the garbage collector
            }
        } finally {
            // Untiled, the thread keeps its buffers for the next picture: fresh memory costs page faults, which on
            // these machines took most of a 1024x768 picture's time. Tiled, the windows' buffers are freed.
            if (tiled) MemoryScope.destroy(scope);
        }
    }

    private static void checkPicture(String what, INDArray p) {
        if (p.rank() != 4 || p.size(0) != 1 || p.size(1) != 3) {
            throw new IllegalArgumentException(what + ": expected a picture [1, 3, H, W], got " + java.util.Arrays.toString(p.shape()));
        }
        if (Math.min(p.size(2), p.size(3)) < AdaInEncoder.MINIMUM_SIDE) {
            throw new IllegalArgumentException(what + " is " + p.size(3) + "x" + p.size(2) + ": AdaIN needs at least " + AdaInEncoder.MINIMUM_SIDE
                    + " pixels on each side (relu4_1 is 8 times smaller and its padding needs 2 positions)");
        }
    }

    private static double[] normalized(double[] weights, int styles) {
        if (weights == null || weights.length == 0) {
            if (styles != 1) throw new SettingsException(styles + " styles need " + styles + " blend weights");
            return new double[] {1};
        }
        if (weights.length != styles) throw new SettingsException(styles + " styles need " + styles + " blend weights, got " + weights.length);
        double sum = 0;
        for (double x : weights) {
            if (!(x >= 0) || Double.isInfinite(x)) throw new SettingsException("blend weights must be finite and not negative, got " + x);
            sum += x;
        }
        if (sum <= 0) throw new SettingsException("blend weights must not all be 0");
        double[] w = new double[styles];
        for (int i = 0; i < styles; i++) w[i] = weights[i] / sum;
        return w;
    }

    private static long roundUp(long n) {
        return (n + AdaInTiles.STRIDE - 1) / AdaInTiles.STRIDE * AdaInTiles.STRIDE;
    }

    /** The tile side for an h×w picture: {@link Long#MAX_VALUE} for one tile. */
    long tileSide(long h, long w) {
        if (tiles instanceof TilePolicy.Off) return Long.MAX_VALUE;
        if (tiles instanceof TilePolicy.Side s) return roundUp(s.pixels());
        long budget = MemoryCheck.available().map(a -> a.bytes() / 2).orElse(Long.MAX_VALUE);
        if (untiledBytes(h, w) <= budget) return Long.MAX_VALUE;
        long side = preferredTileSide();
        while (side > 256 && windowBytes(side + 2 * 64) + fixedBytes(h, w) > budget) side /= 2;
        return side;
    }

    /**
     * The tile side {@code auto} starts from, measured on an 8192×6144 picture (benchmarks/RESULTS.md): with the direct
     * kernels 1024 (windows of 1024 + halo cost about 15% more than one pass; larger ones gain little and hold more);
     * where the widest full-resolution layer runs by Winograd, 512 (on Zen 4: 182 s and 6.6 GB peak, against 190 s and
     * 7.2 GB with 768 and 220 s and 9.0 GB with 1024, whose Winograd scratch holds twice the transformed activations).
     */
    private long preferredTileSide() {
        long width = encoder.widths()[0];
        boolean winograd = Kernels.conv2dRunsWinograd(new long[] {1, width, 1026, 1026}, new long[] {width, width, 3, 3},
                Conv2dSpec.of(1, 0, 1), false);
        return winograd ? 512 : 1024;
    }

    /** Bytes an untiled pass needs, estimated: the pictures, relu4_1, and the widest full-size layers. */
    long untiledBytes(long h, long w) {
        return fixedBytes(h, w) + windowBytes(Math.max(h, w)) * Math.min(h, w) / Math.max(h, w);
    }

    private long windowBytes(long side) {
        return (long) ACTIVATIONS_PER_PIXEL_PER_WIDTH * Math.max(encoder.widths()[0], decoder.widths()[0]) * Float.BYTES * side * side;
    }

    private long fixedBytes(long h, long w) {
        long cells = ((h + 7) / 8) * ((w + 7) / 8);
        return 2 * 3 * h * w * Float.BYTES + (long) encoder.widths()[3] * cells * Float.BYTES;
    }

    /** relu4_1 statistics of a picture (tiled when large), without keeping its features. */
    private ChannelStatistics statistics(INDArray picture, String scope, String what) {
        long h = picture.size(2), w = picture.size(3);
        long side = tileSide(h, w);
        AdaInTiles rows = new AdaInTiles(h, side >= h ? roundUp(h) : side, trim), cols = new AdaInTiles(w, side >= w ? roundUp(w) : side, trim);
        ChannelStatistics stats = new ChannelStatistics(encoder.widths()[3]);
        forEachEncodedTile(picture, rows, cols, scope, what, (features, cells) -> stats.add(features, cells[0], cells[1], cells[2], cells[3]));
        return stats;
    }

    private interface EncodedTile {
        /** {@code cells}: the tile's own relu4_1 positions in the window's features, rows [0, 1) and columns [2, 3), then where they go in the picture's. */
        void accept(INDArray features, long[] cells);
    }

    private void forEachEncodedTile(INDArray picture, AdaInTiles rows, AdaInTiles cols, String scope, String what, EncodedTile sink) {
        List<long[][]> tiles = byWindowShape(rows, cols, true);
        int n = tiles.size(), k = 0;
        if (n > 1) MemoryScope.destroy(scope); // what an earlier pass kept is of other sizes: it would only add to the peak
        long[] lastShape = null;
        for (long[][] tile : tiles) {
            long[] r = tile[0], c = tile[1];
            long[] rw = rows.encoderWindow(r), cw = cols.encoderWindow(c), rc = rows.ownedCells(r), cc = cols.ownedCells(c);
            lastShape = freeOnNewShape(scope, lastShape, new long[] {rw[1] - rw[0], cw[1] - cw[0]}, n);
            try (MemoryScope ignored = MemoryScope.open(scope)) {
                INDArray window = n == 1 ? picture : picture.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(rw[0], rw[1]), NDArrayIndex.interval(cw[0], cw[1])).dup('c');
                INDArray features = encoder.apply(window);
                long r0 = rc[0] - rw[0] / 8, c0 = cc[0] - cw[0] / 8;
                sink.accept(features, new long[] {r0, r0 + rc[1] - rc[0], c0, c0 + cc[1] - cc[0], rc[0], cc[0]});
            }
            if (n > 1) progress.accept(String.format(Locale.ROOT, "%s: encoded tile %d of %d", what, ++k, n));
        }
    }

    /**
     * The tiles (row range, column range), those of one window shape together: a memory scope keeps buffers by size,
     * so windows of many shapes in turn would keep a set for each (13.5 GB at 8192×6144 with 9 shapes).
     */
    private static List<long[][]> byWindowShape(AdaInTiles rows, AdaInTiles cols, boolean encoder) {
        List<long[][]> tiles = new ArrayList<>();
        for (long[] r : rows.tiles()) for (long[] c : cols.tiles()) tiles.add(new long[][] {r, c});
        java.util.Comparator<long[][]> shape = java.util.Comparator.comparingLong((long[][] t) -> span(encoder ? rows.encoderWindow(t[0]) : rows.decoderWindow(t[0])))
                .thenComparingLong(t -> span(encoder ? cols.encoderWindow(t[1]) : cols.decoderWindow(t[1])));
        tiles.sort(shape); // stable: row-major within a shape
        return tiles;
    }

    private static long span(long[] range) {
        return range[1] - range[0];
    }

    /** Frees the scope's buffers when the windows change shape (only when tiled: one window keeps them for the next picture). */
    private static long[] freeOnNewShape(String scope, long[] last, long[] shape, int tiles) {
        if (tiles > 1 && last != null && !java.util.Arrays.equals(last, shape)) MemoryScope.destroy(scope);
        return shape;
    }

    /** Pass 1: the content's relu4_1 for the whole picture, its statistics added to {@code stats}. */
    private INDArray encodeAll(INDArray content, AdaInTiles rows, AdaInTiles cols, ChannelStatistics stats, String scope) {
        INDArray all = MemoryScope.outside(() -> Nd4j.create(DataType.FLOAT, 1, encoder.widths()[3], rows.cells(), cols.cells()));
        forEachEncodedTile(content, rows, cols, scope, "content", (features, cells) -> {
            stats.add(features, cells[0], cells[1], cells[2], cells[3]);
            all.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(cells[4], cells[4] + cells[1] - cells[0]),
                    NDArrayIndex.interval(cells[5], cells[5] + cells[3] - cells[2]))
                    .assign(features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(cells[0], cells[1]), NDArrayIndex.interval(cells[2], cells[3])));
        });
        return all;
    }

    /** Pass 2: each tile's window of relu4_1, normalized (c ↦ a·c + b per channel) and decoded; the tile's own pixels kept. */
    private INDArray decodeAll(INDArray features, float[] a, float[] b, AdaInTiles rows, AdaInTiles cols, String scope) {
        INDArray out = MemoryScope.outside(() -> Nd4j.create(DataType.FLOAT, 1, 3, rows.size(), cols.size()));
        INDArray scale = Nd4j.create(a, new long[] {1, a.length, 1, 1}, DataType.FLOAT), shift = Nd4j.create(b, new long[] {1, b.length, 1, 1}, DataType.FLOAT);
        List<long[][]> tiles = byWindowShape(rows, cols, false);
        int n = tiles.size(), k = 0;
        if (n > 1) MemoryScope.destroy(scope); // pass 1's buffers, of the encoder's sizes
        long[] lastShape = null;
        for (long[][] tile : tiles) {
            long[] r = tile[0], c = tile[1];
            long[] rw = rows.decoderWindow(r), cw = cols.decoderWindow(c);
            lastShape = freeOnNewShape(scope, lastShape, new long[] {span(rw), span(cw)}, n);
            try (MemoryScope ignored = MemoryScope.open(scope)) {
                INDArray window = features.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(rw[0], rw[1]), NDArrayIndex.interval(cw[0], cw[1]));
                INDArray t = MemoryScope.allocate(DataType.FLOAT, window.shape()).assign(window);
                t.muli(scale).addi(shift);
                INDArray decoded = decoder.apply(t);
                long y0 = r[0] - 8 * rw[0], x0 = c[0] - 8 * cw[0];
                INDArrayIndex[] own = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y0 + r[1] - r[0]), NDArrayIndex.interval(x0, x0 + c[1] - c[0])};
                out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.interval(c[0], c[1])).assign(decoded.get(own));
            }
            if (n > 1) progress.accept(String.format(Locale.ROOT, "decoded tile %d of %d", ++k, n));
        }
        return out;
    }

    /**
     * Frees the memory the calling thread keeps between pictures. After an untiled picture a thread keeps its buffers
     * (about 4.5 KB per pixel at the reference's widths) so that its next picture does not pay for fresh memory;
     * after a tiled one it keeps nothing.
     */
    public static void releaseMemory() {
        MemoryScope.destroy(SCOPE);
    }

    /** The number of tiles an h×w picture is stylized in under this stylizer's policy (1: untiled). */
    public int tileCount(int h, int w) {
        long side = tileSide(h, w);
        long rows = side >= h ? 1 : (h + side - 1) / side, cols = side >= w ? 1 : (w + side - 1) / side;
        return Math.toIntExact(rows * cols);
    }
}
