package dev.stylegrad.style;

import java.util.Locale;

/**
 * Whether a step is computed in tiles: {@link Auto} tiles only when the untiled step would not fit in the memory
 * available ({@link TilePlanner}); {@link Off} never tiles; {@link Side} tiles with owned regions of that many pixels
 * (rounded up to the deepest layer's stride). Tiles are exact: the losses and gradient equal the untiled ones to float
 * rounding.
 */
public sealed interface TilePolicy {
    /** The smallest tile side: below it the halo is most of every window. */
    int MIN_SIDE = 16;

    /** Tile only when the untiled step would not fit (the default). */
    record Auto() implements TilePolicy {}

    /** Never tile. */
    record Off() implements TilePolicy {}

    /** Tiles whose owned regions are {@code pixels} square. */
    record Side(int pixels) implements TilePolicy {
        public Side {
            if (pixels < MIN_SIDE) throw new SettingsException("tile side must be 0 (untiled) or at least " + MIN_SIDE + " pixels, got " + pixels);
        }
    }

    static TilePolicy auto() {
        return new Auto();
    }

    static TilePolicy off() {
        return new Off();
    }

    /** Tiles of {@code pixels}; 0 means {@link Off}. */
    static TilePolicy side(int pixels) {
        return pixels == 0 ? new Off() : new Side(pixels);
    }

    /**
     * The command line's spelling: {@code auto}, {@code off} or a side of at least {@value #MIN_SIDE} pixels.
     *
     * @throws SettingsException for anything else
     */
    static TilePolicy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) return auto();
        if (t.equals("off")) return off();
        if (t.matches("[0-9]{1,9}") && Integer.parseInt(t) >= MIN_SIDE) return new Side(Integer.parseInt(t));
        throw new SettingsException("--tile must be auto, off or a tile side of at least " + MIN_SIDE + " pixels, got '" + text + "'");
    }

    /** The command line's spelling of this policy (what {@link #parse} reads). */
    default String cliName() {
        if (this instanceof Side s) return Integer.toString(s.pixels());
        return this instanceof Off ? "off" : "auto";
    }
}
