package dev.stylegrad.style;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.models.Vgg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The loss of {@link StyleObjective}, evaluated tile by tile so that memory holds one tile's activations instead of
 * the whole picture's, with the same losses and gradient to float rounding (docs/design.md, "Exact tiles"):
 * <ol>
 *   <li>Pass 1, no tape: each tile's window runs through VGG19 and its owned positions add their Gram contributions
 *       and content differences. The Gram matrices, hence the losses and dL/dG of every style layer, are now exact.
 *   <li>Pass 2, with tape: each window runs again, and a surrogate whose gradient at the owned positions is the true
 *       one (content: the squared differences there; style: {@code ⟨f, (dL/dG + dL/dGᵀ)·f⟩} with the seed held
 *       constant; total variation: the pixel pairs whose first pixel is owned) is back-propagated to the window's
 *       pixels and added into the picture's gradient.
 * </ol>
 * The halo (at least the deepest layer's receptive-field margin, {@link Vgg#receptiveFieldMargin}) makes the owned
 * features exact; seeding owned positions only counts each feature once. Content targets and style Gram matrices
 * are computed tile by tile too.
 */
final class TiledStyleObjective implements Objective {
    static final String SCOPE = "style-tile";

    private final Vgg net;
    private final TileGrid grid;
    private final Map<String, Double> contentLayers, styleLayers;
    private final double contentWeight, styleWeight, tvWeight;
    private final List<String> layers;
    private final Map<String, INDArray> contentTargets = new LinkedHashMap<>(); // picture-sized feature maps
    private final Map<String, INDArray> styleGrams = new LinkedHashMap<>();     // [1, C, C]
    private final Map<String, long[]> pictureFeatureShape = new LinkedHashMap<>();
    private final boolean seedOwnedOnly;
    private final WindowProgress progress;

    /**
     * Told when a pass over the windows begins ({@code done = 0}) and after each window; {@code phase} names the pass
     * ({@link #PASS_1} ...).
     */
    interface WindowProgress {
        void windowsDone(String phase, int done, int total);
    }

    static final String CONTENT_TARGETS = "content targets", STYLE_TARGETS = "style Gram matrices",
            PASS_1 = "pass 1 of 2 (losses)", PASS_2 = "pass 2 of 2 (gradient)";

    /**
     * @param content the normalized content picture [1, 3, H, W]; the picture optimized has its size
     * @param styles normalized style pictures, each tiled with the grid's owned side and halo
     * @param grid the tiles of the content picture ({@link TilePlanner}); its halo must be at least {@link
     *     TilePlanner#halo} of the layers for exact results
     */
    TiledStyleObjective(Vgg net, INDArray content, List<INDArray> styles, double[] blend, Map<String, Double> contentLayers,
                        Map<String, Double> styleLayers, double contentWeight, double styleWeight, double tvWeight, TileGrid grid) {
        this(net, content, styles, blend, contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, grid, true, (phase, done, total) -> { });
    }

    /**
     * As above, telling {@code progress} after each window (on this thread), for progress output during long steps;
     * {@code seedOwnedOnly = false} seeds every window position: wrong (features in the halo count twice), for tests.
     */
    TiledStyleObjective(Vgg net, INDArray content, List<INDArray> styles, double[] blend, Map<String, Double> contentLayers,
                        Map<String, Double> styleLayers, double contentWeight, double styleWeight, double tvWeight, TileGrid grid,
                        boolean seedOwnedOnly, WindowProgress progress) {
        this.net = net;
        this.progress = progress;
        this.contentLayers = contentLayers;
        this.styleLayers = styleLayers;
        this.contentWeight = contentWeight;
        this.styleWeight = styleWeight;
        this.tvWeight = tvWeight;
        this.seedOwnedOnly = seedOwnedOnly;
        LinkedHashSet<String> all = new LinkedHashSet<>(contentLayers.keySet());
        all.addAll(styleLayers.keySet());
        this.layers = List.copyOf(all);
        if (grid.width() != content.size(3) || grid.height() != content.size(2)) {
            throw new IllegalArgumentException("tiled objective: the grid is for " + grid.width() + "x" + grid.height() + " pixels, the content has "
                    + content.size(3) + "x" + content.size(2));
        }
        this.grid = grid;
        try {
            computeContentTargets(content);
            for (int k = 0; k < styles.size(); k++) {
                INDArray style = styles.get(k);
                Map<String, INDArray> grams = gramsOf(style, grid.forPicture((int) style.size(3), (int) style.size(2)));
                for (String layer : styleLayers.keySet()) {
                    INDArray g = grams.get(layer).muli(blend[k]);
                    styleGrams.merge(layer, g, INDArray::addi);
                }
            }
        } finally {
            MemoryScope.destroy(SCOPE); // the targets' windows may be of other sizes than the steps'
        }
    }

    TileGrid grid() {
        return grid;
    }

    @Override
    public Evaluation evaluate(INDArray x, INDArray grad) {
        // Pass 1: the Gram matrices and content differences, summed over owned positions.
        Map<String, INDArray> grams = new LinkedHashMap<>();
        Map<String, double[]> squaredDifferences = new LinkedHashMap<>();
        for (String layer : contentLayers.keySet()) squaredDifferences.put(layer, new double[1]);
        forEachWindow(PASS_1, x, grid, layers, (tile, f) -> {
            f.forEach((layer, feature) -> pictureShape(layer, feature.value().size(1)));
            for (String layer : contentLayers.keySet()) {
                INDArray feature = f.get(layer).value();
                INDArrayIndex[] ownedHere = ownedIndices(tile, layer, feature, false);
                if (isEmpty(ownedHere)) continue;
                INDArray owned = feature.get(ownedHere);
                INDArray target = contentTargets.get(layer).get(ownedIndices(tile, layer, feature, true));
                double norm = owned.sub(target).norm2Number().doubleValue();
                squaredDifferences.get(layer)[0] += norm * norm;
            }
            addGramsOn(grid, tile, f, grams);
        });
        double content = 0, style = 0;
        for (Map.Entry<String, Double> e : contentLayers.entrySet()) {
            content += e.getValue() * squaredDifferences.get(e.getKey())[0] / elements(e.getKey());
        }
        Map<String, INDArray> seeds = new LinkedHashMap<>(); // (dL/dG + dL/dGᵀ) per style layer, [1, C, C]
        for (Map.Entry<String, Double> e : styleLayers.entrySet()) {
            String layer = e.getKey();
            INDArray diff = grams.get(layer).sub(styleGrams.get(layer));
            long channels = diff.size(1);
            double scale = e.getValue() / elements(layer), norm = diff.norm2Number().doubleValue();
            style += scale * norm * norm / (channels * channels);
            // L_l = β·scale·mean(diff²): dL/dG = β·scale·2·diff/C²; symmetric, so dL/dG + dL/dGᵀ doubles it.
            seeds.put(layer, diff.muli(4 * styleWeight * scale / (channels * channels)));
        }
        double partial = contentWeight * content + styleWeight * style;
        if (!Double.isFinite(partial)) return new Evaluation(contentWeight * content, styleWeight * style, 0, partial);

        // Pass 2: back-propagate each window's share.
        grad.assign(0);
        double[] tv = {0};
        forEachWindowWithTape(x, (tile, image, f) -> {
            Tensor surrogate = null;
            for (Map.Entry<String, Double> e : contentLayers.entrySet()) {
                String layer = e.getKey();
                Tensor feature = f.get(layer);
                if (isEmpty(seededIndices(tile, layer, feature.value(), false))) continue;
                INDArray target = contentTargets.get(layer).get(seededIndices(tile, layer, feature.value(), true)).dup('c');
                Tensor d = Ops.sub(owned(tile, layer, feature), Tensor.constant(target));
                surrogate = plus(surrogate, Ops.mul(Ops.sum(Ops.square(d)), contentWeight * e.getValue() / elements(layer)));
            }
            for (String layer : styleLayers.keySet()) {
                Tensor feature = f.get(layer);
                INDArrayIndex[] idx = seededIndices(tile, layer, feature.value(), false);
                if (isEmpty(idx)) continue;
                // ⟨f, seed⟩ over the seeded box, seed = (dL/dG + dL/dGᵀ)·f there, held constant: its gradient is the seed.
                INDArray box = feature.value().get(idx), contiguous = box;
                if (box.isView()) contiguous = MemoryScope.allocate(box.dataType(), box.shape()).assign(box);
                INDArray seed = Kernels.mixChannels(seeds.get(layer), contiguous, net.gradientPrecision());
                if (contiguous != box) MemoryScope.release(contiguous);
                long[] shape = feature.shape();
                surrogate = plus(surrogate, Ops.boxDot(feature, Tensor.constant(seed), new long[] {0, 0, idx[2].offset(), idx[3].offset()},
                        new long[] {shape[0], shape[1], idx[2].offset() + idx[2].length(), idx[3].offset() + idx[3].length()}));
            }
            if (tvWeight != 0) {
                Tensor t = ownedTotalVariation(tile, image);
                if (t != null) {
                    tv[0] += t.value().getDouble(0);
                    surrogate = plus(surrogate, Ops.mul(t, tvWeight));
                }
            }
            if (surrogate == null) return; // a border tile too thin to own a position of any loss layer
            surrogate.backward();
            grad.get(windowIndices(tile)).addi(image.grad());
        });
        return new Evaluation(contentWeight * content, styleWeight * style, tvWeight * tv[0], partial + tvWeight * tv[0]);
    }

    private void computeContentTargets(INDArray content) {
        List<String> names = new ArrayList<>(contentLayers.keySet());
        if (names.isEmpty()) return;
        forEachWindow(CONTENT_TARGETS, content, grid, names, (tile, f) -> {
            for (String layer : names) {
                INDArray feature = f.get(layer).value();
                if (!contentTargets.containsKey(layer)) {
                    long[] shape = pictureShape(layer, feature.size(1));
                    contentTargets.put(layer, MemoryScope.outside(() -> Nd4j.create(content.dataType(), shape)));
                }
                INDArrayIndex[] ownedHere = ownedIndices(tile, layer, feature, false);
                if (isEmpty(ownedHere)) continue;
                contentTargets.get(layer).get(ownedIndices(tile, layer, feature, true)).assign(feature.get(ownedHere));
            }
        });
    }

    private Map<String, INDArray> gramsOf(INDArray picture, TileGrid pictureGrid) {
        Map<String, INDArray> grams = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(styleLayers.keySet());
        forEachWindow(STYLE_TARGETS, picture, pictureGrid, names, (tile, f) -> addGramsOn(pictureGrid, tile, f, grams));
        return grams;
    }

    private void addGramsOn(TileGrid on, TileGrid.Tile tile, Map<String, Tensor> f, Map<String, INDArray> into) {
        for (String layer : styleLayers.keySet()) {
            INDArray feature = f.get(layer).value();
            INDArrayIndex[] idx = ownedIndices(on, tile, layer, feature, false);
            if (isEmpty(idx)) continue;
            INDArray box = feature.get(idx);
            INDArray owned = MemoryScope.allocate(box.dataType(), box.shape()).assign(box);
            long[] s = owned.shape();
            INDArray g = Kernels.gram(owned.reshape('c', s[0], s[1], s[2] * s[3]));
            MemoryScope.release(owned);
            INDArray sum = into.get(layer);
            if (sum == null) into.put(layer, MemoryScope.keep(g));
            else sum.addi(g);
        }
    }

    /** Runs every window of {@code picture} through the network without a tape, one memory scope per window. */
    private void forEachWindow(String phase, INDArray picture, TileGrid on, List<String> outputs, BiConsumer<TileGrid.Tile, Map<String, Tensor>> body) {
        eachTile(phase, on, tile -> {
            try (GradMode.Scope ignored = GradMode.noGrad(); MemoryScope scope = MemoryScope.open(SCOPE)) {
                INDArray window = copyWindow(picture, on, tile);
                body.accept(tile, net.forward(Tensor.constant(window), outputs));
            }
        });
    }

    /** Runs {@code body} on each tile of {@code on} in order, telling {@link #progress} as the pass begins and after each. */
    private void eachTile(String phase, TileGrid on, java.util.function.Consumer<TileGrid.Tile> body) {
        List<TileGrid.Tile> tiles = on.tiles();
        progress.windowsDone(phase, 0, tiles.size());
        for (int k = 0; k < tiles.size(); k++) {
            body.accept(tiles.get(k));
            progress.windowsDone(phase, k + 1, tiles.size());
        }
    }

    private interface WindowPass {
        void accept(TileGrid.Tile tile, Tensor image, Map<String, Tensor> features);
    }

    private void forEachWindowWithTape(INDArray picture, WindowPass body) {
        eachTile(PASS_2, grid, tile -> {
            try (MemoryScope scope = MemoryScope.open(SCOPE)) {
                Tensor image = Tensor.parameter(copyWindow(picture, grid, tile));
                body.accept(tile, image, net.forward(image, layers));
            }
        });
    }

    private static INDArray copyWindow(INDArray picture, TileGrid on, TileGrid.Tile tile) {
        INDArray window = MemoryScope.allocate(picture.dataType(), 1, picture.size(1), on.windowHeight(), on.windowWidth());
        return window.assign(picture.get(windowIndices(on, tile)));
    }

    private INDArrayIndex[] windowIndices(TileGrid.Tile tile) {
        return windowIndices(grid, tile);
    }

    private static INDArrayIndex[] windowIndices(TileGrid on, TileGrid.Tile tile) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(tile.wy(), tile.wy() + on.windowHeight()), NDArrayIndex.interval(tile.wx(), tile.wx() + on.windowWidth())};
    }

    private INDArrayIndex[] ownedIndices(TileGrid.Tile tile, String layer, INDArray windowFeature, boolean inPicture) {
        return ownedIndices(grid, tile, layer, windowFeature, inPicture);
    }

    /**
     * The positions of {@code layer} that {@code tile} owns, in the window's feature map or (inPicture) in the whole
     * picture's. Owned pixels [x0, x1) give positions [x0/s, x1/s) for the layer's stride s; at the picture's far
     * border the layer's flooring decides, which the window (it ends there too) reproduces.
     */
    private static INDArrayIndex[] ownedIndices(TileGrid on, TileGrid.Tile tile, String layer, INDArray windowFeature, boolean inPicture) {
        int s = Vgg.stride(layer);
        long fh = windowFeature.size(2), fw = windowFeature.size(3);
        long y0 = (tile.y0() - tile.wy()) / s, x0 = (tile.x0() - tile.wx()) / s;
        long y1 = tile.y1() == on.height() ? fh : (tile.y1() - tile.wy()) / s;
        long x1 = tile.x1() == on.width() ? fw : (tile.x1() - tile.wx()) / s;
        long dy = inPicture ? tile.wy() / s : 0, dx = inPicture ? tile.wx() / s : 0;
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(y0 + dy, Math.max(y0, y1) + dy), NDArrayIndex.interval(x0 + dx, Math.max(x0, x1) + dx)};
    }

    /** Where pass 2 seeds the gradient: the owned positions (or, for tests, the whole window). */
    private INDArrayIndex[] seededIndices(TileGrid.Tile tile, String layer, INDArray windowFeature, boolean inPicture) {
        if (seedOwnedOnly) return ownedIndices(tile, layer, windowFeature, inPicture);
        int s = Vgg.stride(layer);
        long dy = inPicture ? tile.wy() / s : 0, dx = inPicture ? tile.wx() / s : 0;
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(dy, dy + windowFeature.size(2)), NDArrayIndex.interval(dx, dx + windowFeature.size(3))};
    }

    private Tensor owned(TileGrid.Tile tile, String layer, Tensor feature) {
        long[] shape = feature.shape();
        INDArrayIndex[] idx = seededIndices(tile, layer, feature.value(), false);
        return Ops.slice(feature, new long[] {0, 0, idx[2].offset(), idx[3].offset()},
                new long[] {shape[0], shape[1], idx[2].offset() + idx[2].length(), idx[3].offset() + idx[3].length()});
    }

    /**
     * Total variation of the pixel pairs whose first pixel (top or left) the tile owns: every pair of the picture
     * once, across tile borders too (the window reaches past the owned region).
     */
    private Tensor ownedTotalVariation(TileGrid.Tile tile, Tensor image) {
        long c = image.shape()[1];
        long y0 = tile.y0() - tile.wy(), y1 = tile.y1() - tile.wy(), x0 = tile.x0() - tile.wx(), x1 = tile.x1() - tile.wx();
        Tensor t = null;
        long downRows = Math.min(tile.y1(), grid.height() - 1) - tile.y0(); // pairs (y, y+1) need y+1 in the picture
        if (downRows > 0) {
            Tensor d = Ops.sub(Ops.slice(image, new long[] {0, 0, y0 + 1, x0}, new long[] {1, c, y0 + 1 + downRows, x1}),
                    Ops.slice(image, new long[] {0, 0, y0, x0}, new long[] {1, c, y0 + downRows, x1}));
            t = plus(t, Ops.sum(Ops.square(d)));
        }
        long rightCols = Math.min(tile.x1(), grid.width() - 1) - tile.x0();
        if (rightCols > 0) {
            Tensor d = Ops.sub(Ops.slice(image, new long[] {0, 0, y0, x0 + 1}, new long[] {1, c, y1, x0 + 1 + rightCols}),
                    Ops.slice(image, new long[] {0, 0, y0, x0}, new long[] {1, c, y1, x0 + rightCols}));
            t = plus(t, Ops.sum(Ops.square(d)));
        }
        return t;
    }

    /** Elements of the whole picture's feature map of {@code layer} (C·H·W), the losses' normalizer. */
    private double elements(String layer) {
        long[] s = pictureFeatureShape.get(layer);
        return (double) s[1] * s[2] * s[3];
    }

    /** The whole picture's feature-map shape of a layer: each pooling floors the size by half. */
    private long[] pictureShape(String layer, long channels) {
        return pictureFeatureShape.computeIfAbsent(layer, l -> {
            long h = grid.height(), w = grid.width();
            for (int s = Vgg.stride(l); s > 1; s /= 2) {
                h /= 2;
                w /= 2;
            }
            return new long[] {1, channels, h, w};
        });
    }

    private static boolean isEmpty(INDArrayIndex[] idx) {
        return idx[2].length() == 0 || idx[3].length() == 0;
    }

    private static Tensor plus(Tensor sum, Tensor term) {
        return sum == null ? term : Ops.add(sum, term);
    }

}
