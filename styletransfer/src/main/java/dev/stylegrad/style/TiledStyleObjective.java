package dev.stylegrad.style;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Sums;
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
    private final StepRunner runner;
    private final TilePasses.Losses losses;

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
        this(net, content, styles, blend, contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, grid, true, (phase, done, total) -> { },
                StepRunner.HERE);
    }

    /**
     * As above, telling {@code progress} after each window (on this thread), for progress output during long steps, and
     * running the passes' windows on {@code runner}; {@code seedOwnedOnly = false} seeds every window position: wrong
     * (features in the halo count twice), for tests.
     */
    TiledStyleObjective(Vgg net, INDArray content, List<INDArray> styles, double[] blend, Map<String, Double> contentLayers,
                        Map<String, Double> styleLayers, double contentWeight, double styleWeight, double tvWeight, TileGrid grid,
                        boolean seedOwnedOnly, WindowProgress progress, StepRunner runner) {
        this.net = net;
        this.runner = runner;
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
        this.losses = new TilePasses.Losses(new LinkedHashMap<>(contentLayers), new LinkedHashMap<>(styleLayers), contentWeight, tvWeight,
                new ArrayList<>(layers), seedOwnedOnly);
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
        // Pass 1: the Gram matrices and content differences, summed over owned positions in the tiles' order.
        Map<String, INDArray> grams = new LinkedHashMap<>();
        Map<String, double[]> squaredDifferences = new LinkedHashMap<>();
        for (String layer : contentLayers.keySet()) squaredDifferences.put(layer, new double[1]);
        List<TilePasses.Pass1> pass1 = new ArrayList<>();
        for (TileGrid.Tile tile : grid.tiles()) pass1.add(new TilePasses.Pass1(grid, tile, window(x, tile), targets(tile, true), losses));
        inOrder(PASS_1, pass1, r -> {
            r.squaredDifferences().forEach((layer, sq) -> squaredDifferences.get(layer)[0] += sq);
            r.grams().forEach((layer, g) -> {
                INDArray sum = grams.get(layer);
                if (sum == null) grams.put(layer, g.array());
                else sum.addi(g.array());
            });
        });
        for (String layer : contentLayers.keySet()) pictureShape(layer, contentTargets.get(layer).size(1));
        for (String layer : styleLayers.keySet()) pictureShape(layer, grams.get(layer).size(1));
        double content = 0, style = 0;
        for (Map.Entry<String, Double> e : contentLayers.entrySet()) {
            content += e.getValue() * squaredDifferences.get(e.getKey())[0] / elements(e.getKey());
        }
        LinkedHashMap<String, ShippedArray> seeds = new LinkedHashMap<>(); // (dL/dG + dL/dGᵀ) per style layer, [1, C, C]
        for (Map.Entry<String, Double> e : styleLayers.entrySet()) {
            String layer = e.getKey();
            INDArray diff = grams.get(layer).sub(styleGrams.get(layer));
            long channels = diff.size(1);
            double scale = e.getValue() / elements(layer);
            style += scale * Sums.squares(diff) / (channels * channels);
            // L_l = β·scale·mean(diff²): dL/dG = β·scale·2·diff/C²; symmetric, so dL/dG + dL/dGᵀ doubles it.
            seeds.put(layer, ShippedArray.of(diff.muli(4 * styleWeight * scale / (channels * channels))));
        }
        double partial = contentWeight * content + styleWeight * style;
        if (!Double.isFinite(partial)) return new Evaluation(contentWeight * content, styleWeight * style, 0, partial);

        // Pass 2: back-propagate each window's share, added into the picture's gradient in the tiles' order.
        grad.assign(0);
        double[] tv = {0};
        LinkedHashMap<String, Double> elements = new LinkedHashMap<>();
        for (String layer : contentLayers.keySet()) elements.put(layer, elements(layer));
        List<TilePasses.Pass2> pass2 = new ArrayList<>();
        for (TileGrid.Tile tile : grid.tiles()) {
            pass2.add(new TilePasses.Pass2(grid, tile, window(x, tile), targets(tile, seedOwnedOnly), seeds, elements, losses));
        }
        int[] k = {0};
        inOrder(PASS_2, pass2, r -> {
            TileGrid.Tile tile = grid.tiles().get(k[0]++);
            if (r.hasTotalVariation()) tv[0] += r.totalVariation();
            if (r.windowGradient() != null) grad.get(windowIndices(grid, tile)).addi(r.windowGradient().array());
        });
        return new Evaluation(contentWeight * content, styleWeight * style, tvWeight * tv[0], partial + tvWeight * tv[0]);
    }

    /** Runs a pass's tasks on the runner, telling {@link #progress} as results arrive in order. */
    private <R extends java.io.Serializable> void inOrder(String phase, List<? extends StepTask<R>> tasks, java.util.function.Consumer<R> body) {
        progress.windowsDone(phase, 0, tasks.size());
        int[] done = {0};
        runner.runAll(phase, net, tasks, r -> {
            body.accept(r);
            progress.windowsDone(phase, ++done[0], tasks.size());
        });
    }

    /** The tile's window of the picture: a view (a task copies it where it runs). */
    private ShippedArray window(INDArray picture, TileGrid.Tile tile) {
        return ShippedArray.of(picture.get(windowIndices(grid, tile)));
    }

    /** The content targets at the positions the tile owns (or, for tests, seeds), per content layer: views. */
    private LinkedHashMap<String, ShippedArray> targets(TileGrid.Tile tile, boolean ownedOnly) {
        LinkedHashMap<String, ShippedArray> t = new LinkedHashMap<>();
        for (String layer : contentLayers.keySet()) {
            INDArrayIndex[] idx = TilePasses.seeded(grid, tile, layer, ownedOnly, true);
            if (!TilePasses.isEmpty(idx)) t.put(layer, ShippedArray.of(contentTargets.get(layer).get(idx)));
        }
        return t;
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
                INDArrayIndex[] ownedHere = TilePasses.owned(grid, tile, layer, false);
                if (TilePasses.isEmpty(ownedHere)) continue;
                contentTargets.get(layer).get(TilePasses.owned(grid, tile, layer, true)).assign(feature.get(ownedHere));
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
            INDArrayIndex[] idx = TilePasses.owned(on, tile, layer, false);
            if (TilePasses.isEmpty(idx)) continue;
            INDArray g = TilePasses.gramOfBox(f.get(layer).value(), idx);
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

    private static INDArray copyWindow(INDArray picture, TileGrid on, TileGrid.Tile tile) {
        INDArray window = MemoryScope.allocate(picture.dataType(), 1, picture.size(1), on.windowHeight(), on.windowWidth());
        return window.assign(picture.get(windowIndices(on, tile)));
    }

    private static INDArrayIndex[] windowIndices(TileGrid on, TileGrid.Tile tile) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(tile.wy(), tile.wy() + on.windowHeight()), NDArrayIndex.interval(tile.wx(), tile.wx() + on.windowWidth())};
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


}
