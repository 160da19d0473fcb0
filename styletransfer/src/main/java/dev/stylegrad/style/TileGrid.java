package dev.stylegrad.style;

import java.util.ArrayList;
import java.util.List;

/**
 * How a picture of {@code width × height} pixels is cut into tiles for exact tiled evaluation (docs/design.md, "Exact tiles").
 * Each tile owns a disjoint region whose corners are multiples of {@code align} (the deepest layer's stride, so
 * every layer's grid divides evenly) and is computed on a window around it that reaches at least {@code halo} pixels
 * beyond the owned region, or to the picture's border. All windows have one size, so every tile's arrays have the
 * same shapes and reuse one set of buffers: a window is shifted inward at the picture's border instead of clipped,
 * and its size is congruent to the picture's modulo {@code align}, so a window that ends at the border still starts
 * on the grid.
 */
record TileGrid(int width, int height, int ownedSide, int halo, int align, int windowWidth, int windowHeight, List<Tile> tiles)
        implements java.io.Serializable {
    /**
     * One tile: the owned region [x0, x1) × [y0, y1) and the window [wx, wx + windowWidth) × [wy, wy + windowHeight)
     * it is computed on, in picture pixels.
     */
    record Tile(int x0, int y0, int x1, int y1, int wx, int wy) implements java.io.Serializable {}

    /**
     * @param ownedSide longest side of an owned region, rounded up to a multiple of {@code align}
     * @param halo pixels of context beyond the owned region, rounded up to a multiple of {@code align}
     */
    static TileGrid of(int width, int height, int ownedSide, int halo, int align) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("picture must not be empty, got " + width + "x" + height);
        if (align < 1 || Integer.bitCount(align) != 1) throw new IllegalArgumentException("tile alignment must be a power of two, got " + align);
        if (ownedSide < 1) throw new IllegalArgumentException("tile side must be positive, got " + ownedSide);
        if (halo < 0) throw new IllegalArgumentException("tile halo must be >= 0, got " + halo);
        int owned = roundUp(ownedSide, align), margin = roundUp(halo, align);
        int ww = windowSide(width, owned, margin, align), wh = windowSide(height, owned, margin, align);
        List<Tile> tiles = new ArrayList<>();
        for (int y0 = 0; y0 < height; y0 += owned) {
            for (int x0 = 0; x0 < width; x0 += owned) {
                int x1 = Math.min(width, x0 + owned), y1 = Math.min(height, y0 + owned);
                tiles.add(new Tile(x0, y0, x1, y1, windowStart(x0, margin, width, ww), windowStart(y0, margin, height, wh)));
            }
        }
        return new TileGrid(width, height, owned, margin, align, ww, wh, List.copyOf(tiles));
    }

    /** The grid of another picture (a style image) with this grid's owned side, halo and alignment. */
    TileGrid forPicture(int pictureWidth, int pictureHeight) {
        return of(pictureWidth, pictureHeight, ownedSide, halo, align);
    }

    /** Whether one tile covers the whole picture (then tiling is the untiled computation). */
    boolean single() {
        return tiles.size() == 1;
    }

    /**
     * The smallest window side that holds an owned side plus the halo on both sides and is congruent to the picture
     * side modulo {@code align} (so a window ending at the border starts on the grid); the picture side if smaller.
     */
    private static int windowSide(int pictureSide, int owned, int margin, int align) {
        int need = owned + 2 * margin;
        if (need >= pictureSide) return pictureSide;
        int remainder = Math.floorMod(pictureSide - need, align);
        return need + remainder;
    }

    /** The window's start: the halo before the owned region, shifted inward to stay in the picture. */
    private static int windowStart(int ownedStart, int margin, int pictureSide, int window) {
        return Math.max(0, Math.min(ownedStart - margin, pictureSide - window));
    }

    private static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }
}
