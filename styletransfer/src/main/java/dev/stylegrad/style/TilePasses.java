package dev.stylegrad.style;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Sums;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One tile's work in the two passes of {@link TiledStyleObjective}, as {@link StepTask}s that read only what they
 * carry: the tile's window of the picture and the content targets at the positions it owns (and, in pass 2, the
 * Gram seeds dL/dG). Whether they run in this JVM or on an executor, they compute the same bits.
 */
final class TilePasses {
    static final String SCOPE = TiledStyleObjective.SCOPE;

    private TilePasses() {}

    /** The losses a tile contributes to: their layers and weights, and where pass 2 seeds (owned positions, or all for tests). */
    record Losses(LinkedHashMap<String, Double> contentLayers, LinkedHashMap<String, Double> styleLayers, double contentWeight,
                  double tvWeight, List<String> layers, boolean seedOwnedOnly) implements Serializable {}

    /** Pass 1 of one tile: its Gram partials (owned positions) and squared content differences, per layer. */
    record Pass1Result(LinkedHashMap<String, ShippedArray> grams, LinkedHashMap<String, Double> squaredDifferences) implements Serializable {}

    /** Pass 2 of one tile: the gradient of its window (null if it seeds nothing) and its total variation. */
    record Pass2Result(ShippedArray windowGradient, double totalVariation, boolean hasTotalVariation) implements Serializable {}

    static final class Pass1 implements StepTask<Pass1Result> {
        private static final long serialVersionUID = 1L;
        private final TileGrid grid;
        private final TileGrid.Tile tile;
        private final ShippedArray window;
        private final LinkedHashMap<String, ShippedArray> targets; // owned content targets, per content layer
        private final Losses losses;

        Pass1(TileGrid grid, TileGrid.Tile tile, ShippedArray window, LinkedHashMap<String, ShippedArray> targets, Losses losses) {
            this.grid = grid;
            this.tile = tile;
            this.window = window;
            this.targets = targets;
            this.losses = losses;
        }

        @Override
        public Pass1Result run(Vgg net) {
            LinkedHashMap<String, ShippedArray> grams = new LinkedHashMap<>();
            LinkedHashMap<String, Double> squared = new LinkedHashMap<>();
            try (GradMode.Scope ignored = GradMode.noGrad(); MemoryScope scope = MemoryScope.open(SCOPE)) {
                Map<String, Tensor> f = net.forward(Tensor.constant(inScope(window.array())), losses.layers());
                for (String layer : losses.contentLayers().keySet()) {
                    INDArray feature = f.get(layer).value();
                    INDArrayIndex[] ownedHere = owned(grid, tile, layer, false);
                    if (isEmpty(ownedHere)) continue;
                    // Not libnd4j's reduction: its rounding depends on the thread count, which differs between machines.
                    squared.put(layer, Sums.squaredDifference(feature.get(ownedHere), targets.get(layer).array()));
                }
                for (String layer : losses.styleLayers().keySet()) {
                    INDArrayIndex[] idx = owned(grid, tile, layer, false);
                    if (isEmpty(idx)) continue;
                    grams.put(layer, ShippedArray.of(MemoryScope.keep(gramOfBox(f.get(layer).value(), idx))));
                }
            }
            return new Pass1Result(grams, squared);
        }

        @Override
        public long bytesIn() {
            long b = window.bytes();
            for (ShippedArray t : targets.values()) b += t.bytes();
            return b;
        }
    }

    static final class Pass2 implements StepTask<Pass2Result> {
        private static final long serialVersionUID = 1L;
        private final TileGrid grid;
        private final TileGrid.Tile tile;
        private final ShippedArray window;
        private final LinkedHashMap<String, ShippedArray> targets; // seeded content targets, per content layer
        private final LinkedHashMap<String, ShippedArray> seeds;   // (dL/dG + dL/dGᵀ) per style layer, [1, C, C]
        private final LinkedHashMap<String, Double> elements;      // C·H·W of the whole picture's feature map, per content layer
        private final Losses losses;

        Pass2(TileGrid grid, TileGrid.Tile tile, ShippedArray window, LinkedHashMap<String, ShippedArray> targets,
              LinkedHashMap<String, ShippedArray> seeds, LinkedHashMap<String, Double> elements, Losses losses) {
            this.grid = grid;
            this.tile = tile;
            this.window = window;
            this.targets = targets;
            this.seeds = seeds;
            this.elements = elements;
            this.losses = losses;
        }

        @Override
        public Pass2Result run(Vgg net) {
            try (MemoryScope scope = MemoryScope.open(SCOPE)) {
                Tensor image = Tensor.parameter(inScope(window.array()));
                Map<String, Tensor> f = net.forward(image, losses.layers());
                Tensor surrogate = null;
                for (Map.Entry<String, Double> e : losses.contentLayers().entrySet()) {
                    String layer = e.getKey();
                    Tensor feature = f.get(layer);
                    INDArrayIndex[] idx = seeded(layer, false);
                    if (isEmpty(idx)) continue;
                    INDArray target = targets.get(layer).array().dup('c');
                    Tensor d = Ops.sub(slice(feature, idx), Tensor.constant(target));
                    surrogate = plus(surrogate, Ops.mul(Ops.sum(Ops.square(d)), losses.contentWeight() * e.getValue() / elements.get(layer)));
                }
                for (String layer : losses.styleLayers().keySet()) {
                    Tensor feature = f.get(layer);
                    INDArrayIndex[] idx = seeded(layer, false);
                    if (isEmpty(idx)) continue;
                    // ⟨f, seed⟩ over the seeded box, seed = (dL/dG + dL/dGᵀ)·f there, held constant: its gradient is the seed.
                    INDArray box = feature.value().get(idx), contiguous = box;
                    if (box.isView()) contiguous = MemoryScope.allocate(box.dataType(), box.shape()).assign(box);
                    INDArray seed = Kernels.mixChannels(seeds.get(layer).array(), contiguous, net.gradientPrecision());
                    if (contiguous != box) MemoryScope.release(contiguous);
                    long[] shape = feature.shape();
                    surrogate = plus(surrogate, Ops.boxDot(feature, Tensor.constant(seed), new long[] {0, 0, idx[2].offset(), idx[3].offset()},
                            new long[] {shape[0], shape[1], idx[2].offset() + idx[2].length(), idx[3].offset() + idx[3].length()}));
                }
                double tv = 0;
                boolean hasTv = false;
                if (losses.tvWeight() != 0) {
                    double[] value = new double[1];
                    Tensor t = ownedTotalVariation(image, value);
                    if (t != null) {
                        tv = value[0];
                        hasTv = true;
                        surrogate = plus(surrogate, Ops.mul(t, losses.tvWeight()));
                    }
                }
                if (surrogate == null) return new Pass2Result(null, tv, hasTv); // a border tile too thin to own a position of any loss layer
                surrogate.backward();
                return new Pass2Result(ShippedArray.of(MemoryScope.keep(image.grad())), tv, hasTv);
            }
        }

        @Override
        public long bytesIn() {
            long b = window.bytes();
            for (ShippedArray t : targets.values()) b += t.bytes();
            for (ShippedArray s : seeds.values()) b += s.bytes();
            return b;
        }

        private INDArrayIndex[] seeded(String layer, boolean inPicture) {
            return TilePasses.seeded(grid, tile, layer, losses.seedOwnedOnly(), inPicture);
        }

        /**
         * Total variation of the pixel pairs whose first pixel (top or left) the tile owns: every pair of the picture
         * once, across tile borders too (the window reaches past the owned region). Its value goes to {@code value[0]},
         * summed as {@link Sums} does (the same bits on every machine).
         */
        private Tensor ownedTotalVariation(Tensor image, double[] value) {
            long c = image.shape()[1];
            long y0 = tile.y0() - tile.wy(), y1 = tile.y1() - tile.wy(), x0 = tile.x0() - tile.wx(), x1 = tile.x1() - tile.wx();
            Tensor t = null;
            long downRows = Math.min(tile.y1(), grid.height() - 1) - tile.y0(); // pairs (y, y+1) need y+1 in the picture
            if (downRows > 0) {
                Tensor d = Ops.sub(Ops.slice(image, new long[] {0, 0, y0 + 1, x0}, new long[] {1, c, y0 + 1 + downRows, x1}),
                        Ops.slice(image, new long[] {0, 0, y0, x0}, new long[] {1, c, y0 + downRows, x1}));
                t = plus(t, Ops.sum(Ops.square(d)));
                value[0] += Sums.squares(d.value());
            }
            long rightCols = Math.min(tile.x1(), grid.width() - 1) - tile.x0();
            if (rightCols > 0) {
                Tensor d = Ops.sub(Ops.slice(image, new long[] {0, 0, y0, x0 + 1}, new long[] {1, c, y1, x0 + 1 + rightCols}),
                        Ops.slice(image, new long[] {0, 0, y0, x0}, new long[] {1, c, y1, x0 + rightCols}));
                t = plus(t, Ops.sum(Ops.square(d)));
                value[0] += Sums.squares(d.value());
            }
            return t;
        }
    }

    /** The Gram matrix [1, C, C] of a box of a feature map (copied to contiguous scope memory first). */
    static INDArray gramOfBox(INDArray feature, INDArrayIndex[] idx) {
        INDArray box = feature.get(idx);
        INDArray owned = MemoryScope.allocate(box.dataType(), box.shape()).assign(box);
        long[] s = owned.shape();
        INDArray g = Kernels.gram(owned.reshape('c', s[0], s[1], s[2] * s[3]));
        MemoryScope.release(owned);
        return g;
    }

    /** A copy of a window in the open scope's memory (the task's arrays are read, never written). */
    private static INDArray inScope(INDArray window) {
        return MemoryScope.allocate(window.dataType(), window.shape()).assign(window);
    }

    /** The window's feature-map side at a layer: each pooling floors it by half, as the network does. */
    static long featureSide(int windowSide, String layer) {
        long side = windowSide;
        for (int s = Vgg.stride(layer); s > 1; s /= 2) side /= 2;
        return side;
    }

    /**
     * The positions of {@code layer} that {@code tile} owns, in the window's feature map or (inPicture) in the whole
     * picture's. Owned pixels [x0, x1) give positions [x0/s, x1/s) for the layer's stride s; at the picture's far
     * border the layer's flooring decides, which the window (it ends there too) reproduces.
     */
    static INDArrayIndex[] owned(TileGrid on, TileGrid.Tile tile, String layer, boolean inPicture) {
        int s = Vgg.stride(layer);
        long fh = featureSide(on.windowHeight(), layer), fw = featureSide(on.windowWidth(), layer);
        long y0 = (tile.y0() - tile.wy()) / s, x0 = (tile.x0() - tile.wx()) / s;
        long y1 = tile.y1() == on.height() ? fh : (tile.y1() - tile.wy()) / s;
        long x1 = tile.x1() == on.width() ? fw : (tile.x1() - tile.wx()) / s;
        long dy = inPicture ? tile.wy() / s : 0, dx = inPicture ? tile.wx() / s : 0;
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(y0 + dy, Math.max(y0, y1) + dy), NDArrayIndex.interval(x0 + dx, Math.max(x0, x1) + dx)};
    }

    /** Where pass 2 seeds the gradient: the owned positions (or, for tests, the whole window). */
    static INDArrayIndex[] seeded(TileGrid on, TileGrid.Tile tile, String layer, boolean seedOwnedOnly, boolean inPicture) {
        if (seedOwnedOnly) return owned(on, tile, layer, inPicture);
        int s = Vgg.stride(layer);
        long dy = inPicture ? tile.wy() / s : 0, dx = inPicture ? tile.wx() / s : 0;
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.interval(dy, dy + featureSide(on.windowHeight(), layer)), NDArrayIndex.interval(dx, dx + featureSide(on.windowWidth(), layer))};
    }

    static boolean isEmpty(INDArrayIndex[] idx) {
        return idx[2].length() == 0 || idx[3].length() == 0;
    }

    private static Tensor slice(Tensor feature, INDArrayIndex[] idx) {
        long[] shape = feature.shape();
        return Ops.slice(feature, new long[] {0, 0, idx[2].offset(), idx[3].offset()},
                new long[] {shape[0], shape[1], idx[2].offset() + idx[2].length(), idx[3].offset() + idx[3].length()});
    }

    private static Tensor plus(Tensor sum, Tensor term) {
        return sum == null ? term : Ops.add(sum, term);
    }
}
