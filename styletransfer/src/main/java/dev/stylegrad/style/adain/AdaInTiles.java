package dev.stylegrad.style.adain;

import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.AdaInLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the windows of an AdaIN picture's tiles are, along one axis. Tiles are owned stretches of pixels starting at
 * multiples of the tile side (itself a multiple of relu4_1's stride, 8, so that every window's pooling grid is the
 * picture's). The encoder's windows cover the pixels that the tile's relu4_1 positions read; the decoder's windows
 * cover the relu4_1 positions that the tile's output pixels read: both spans are derived from the layers
 * ({@link AdaInLayer#inputSpan}), so the tiles' results are the untiled ones to float rounding.
 *
 * @param size the picture's side in pixels
 * @param side the tile side (a multiple of 8; at least {@code size} for one tile)
 * @param trim pixels taken off each encoder window's reach on both ends, and trim / 8 positions off each decoder
 *     window's: 0, except in the test that shows that windows any smaller break exactness
 */
record AdaInTiles(long size, long side, int trim) {
    static final int STRIDE = AdaInEncoder.stride();

    AdaInTiles {
        if (side % STRIDE != 0) throw new IllegalArgumentException("tile side " + side + " is not a multiple of " + STRIDE);
    }

    /** relu4_1's positions along this axis: ⌈size / 8⌉ (ceil-mode pooling). */
    long cells() {
        return AdaInLayer.outputSize(AdaInEncoder.layers(), size);
    }

    /** The tiles' owned pixel ranges [from, to). */
    List<long[]> tiles() {
        List<long[]> out = new ArrayList<>();
        for (long from = 0; from < size; from += side) out.add(new long[] {from, Math.min(size, from + side)});
        return out;
    }

    /** The relu4_1 positions [from, to) a tile of pixels [from, to) owns. */
    long[] ownedCells(long[] tile) {
        return new long[] {tile[0] / STRIDE, Math.min(cells(), (tile[1] + STRIDE - 1) / STRIDE)};
    }

    /** The pixels [from, to) to encode for a tile's relu4_1 positions: their reach, widened to multiples of 8, within the picture. */
    long[] encoderWindow(long[] tile) {
        long[] cells = ownedCells(tile);
        long[] span = AdaInLayer.inputSpan(AdaInEncoder.layers(), cells[0], cells[1] - 1);
        long from = Math.max(0, Math.floorDiv(span[0] + trim, STRIDE) * STRIDE);
        long to = Math.min(size, Math.floorDiv(span[1] - trim + STRIDE, STRIDE) * STRIDE);
        return nonEmpty(from, to);
    }

    private static long[] nonEmpty(long from, long to) {
        if (to <= from) throw new IllegalStateException("empty tile window [" + from + ", " + to + ")");
        return new long[] {from, to};
    }

    /** The relu4_1 positions [from, to) to decode for a tile's pixels: their reach, within the picture's positions. */
    long[] decoderWindow(long[] tile) {
        long[] span = AdaInLayer.inputSpan(AdaInDecoder.layers(), tile[0], tile[1] - 1);
        return nonEmpty(Math.max(0, span[0] + trim / STRIDE), Math.min(cells(), span[1] - trim / STRIDE + 1));
    }
}
