package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Whether a step is computed in tiles, and in which: the one place that turns a {@link TilePolicy}, a picture size,
 * the loss layers and the memory available into a {@link TileGrid} (or none), with the halo the layers need and the
 * memory estimate ({@link StepMemory}) behind the automatic choice. The tiled objective receives the grid it plans.
 */
final class TilePlanner {
    private TilePlanner() {}

    /** Automatic tiling goes no smaller: below this the halo costs more than the tile. */
    static final int MIN_AUTO_TILE = 128;

    /**
     * The grid a {@code width × height} step is computed in, or null for untiled: as {@code policy} says, or for
     * {@link TilePolicy.Auto} as {@link #automaticTile} chooses; tells {@code notices} when it tiles and why.
     *
     * @param widths the loaded convolutions' output channels (the memory estimate scales with them)
     * @param available bytes the process may still allocate
     * @throws IllegalArgumentException when even the smallest automatic tiles would not fit
     */
    static TileGrid plan(TilePolicy policy, int width, int height, List<String> layers, List<Long> widths, long available,
                         Consumer<String> notices) {
        int halo = halo(layers), align = alignment(layers);
        if (policy instanceof TilePolicy.Off) return null;
        if (policy instanceof TilePolicy.Side s) {
            TileGrid grid = TileGrid.of(width, height, s.pixels(), halo, align);
            if (grid.single()) return null;
            notices.accept(String.format(Locale.ROOT, "computing each %dx%d step in %s", width, height, describe(grid)));
            return grid;
        }
        int side = automaticTile(width, height, widths, halo, align, available);
        if (side == 0) return null;
        TileGrid grid = TileGrid.of(width, height, side, halo, align);
        notices.accept(String.format(Locale.ROOT, "a %dx%d step needs about %s untiled and %s is available: computing it in %s "
                + "(exact; --tile N chooses the size, --tile off never tiles)", width, height,
                gigabytes(StepMemory.untiledStep((long) width * height, widths)), gigabytes(available), describe(grid)));
        return grid;
    }

    /** The halo that makes tiles exact for these layers: the deepest one's receptive-field margin, on the grid. */
    static int halo(Iterable<String> layers) {
        String deepest = Vgg.deepestOf(List.copyOf(toList(layers)));
        int align = Vgg.stride(deepest);
        return (Vgg.receptiveFieldMargin(deepest) + align - 1) / align * align;
    }

    /** Tile corners lie on the deepest layer's grid, so every layer's positions divide evenly. */
    static int alignment(Iterable<String> layers) {
        return Vgg.stride(Vgg.deepestOf(toList(layers)));
    }

    /**
     * Automatic tiling: 0 (untiled) when the estimated step ({@link StepMemory}) fits in 80% of {@code available}
     * bytes; else, among the owned sides (multiples of {@code align}, at least {@link #MIN_AUTO_TILE}) whose tiled
     * step fits, the one that computes the fewest window pixels per step (the halos' overlap is the price of tiling),
     * the larger on a tie.
     *
     * @throws IllegalArgumentException when not even the smallest tiles fit, saying what would
     */
    static int automaticTile(int w, int h, List<Long> widths, int halo, int align, long available) {
        long pixels = (long) w * h;
        if (fits(StepMemory.untiledStep(pixels, widths), available)) return 0;
        // When even the smallest tiles' windows are the whole picture, tiles save nothing: run it whole.
        TileGrid smallest = TileGrid.of(w, h, MIN_AUTO_TILE, halo, align);
        if (smallest.windowWidth() == w && smallest.windowHeight() == h) return 0;
        int best = 0;
        long bestComputed = Long.MAX_VALUE;
        for (int side = (Math.max(w, h) + align - 1) / align * align; side >= MIN_AUTO_TILE; side -= align) {
            TileGrid grid = TileGrid.of(w, h, side, halo, align);
            long window = (long) grid.windowWidth() * grid.windowHeight();
            if (!fits(StepMemory.tiledStep(pixels, window, widths), available)) continue;
            long computed = window * grid.tiles().size();
            if (computed < bestComputed) {
                best = side;
                bestComputed = computed;
            }
        }
        if (best > 0) return best;
        throw new IllegalArgumentException(String.format(Locale.ROOT, "a %dx%d picture needs about %s of memory even in %d-px tiles, but only "
                + "%s is available: use a smaller --size (or --scales), or free memory", w, h,
                gigabytes(StepMemory.tiledStep(pixels, (long) smallest.windowWidth() * smallest.windowHeight(), widths)), MIN_AUTO_TILE,
                gigabytes(available)));
    }

    /**
     * Whether a step estimated at {@code estimate} bytes (the whole process) fits: what it needs beyond the baseline
     * the process already holds (the JVM, the libraries, the weights) within 80% of the {@code available} headroom.
     */
    static boolean fits(long estimate, long available) {
        return estimate - StepMemory.BASELINE_BYTES <= available / 10 * 8;
    }

    private static String describe(TileGrid grid) {
        return String.format(Locale.ROOT, "%d tiles of %d px (windows of %dx%d: a halo of %d px)", grid.tiles().size(), grid.ownedSide(),
                grid.windowWidth(), grid.windowHeight(), grid.halo());
    }

    private static String gigabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    private static List<String> toList(Iterable<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEach(out::add);
        return out;
    }
}
