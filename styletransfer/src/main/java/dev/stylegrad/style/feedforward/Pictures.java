package dev.stylegrad.style.feedforward;

import dev.stylegrad.style.image.RgbImage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** 8-bit pictures to and from the feed-forward networks' input and output: [1, 3, H, W] float32 pixels in 0..255. */
public final class Pictures {
    private Pictures() {}

    /** Rows converted at a time: whole-picture Java copies of a print-size picture held gigabytes of heap. */
    private static final int BLOCK_ROWS = 64;

    /** The picture as [1, 3, H, W] float32, channel values 0..255 as they are (no normalization). */
    public static INDArray toArray(RgbImage image) {
        int w = image.width(), h = image.height();
        INDArray out = Nd4j.create(DataType.FLOAT, 1, 3, h, w);
        int[] p = image.pixels();
        for (int y0 = 0; y0 < h; y0 += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, h - y0), n = rows * w;
            float[] planes = new float[3 * n];
            for (int i = 0; i < n; i++) {
                int v = p[y0 * w + i];
                planes[i] = (v >> 16) & 0xff;
                planes[n + i] = (v >> 8) & 0xff;
                planes[2 * n + i] = v & 0xff;
            }
            out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y0 + rows), NDArrayIndex.all())
                    .assign(Nd4j.create(planes, new long[] {1, 3, rows, w}, DataType.FLOAT));
        }
        return out;
    }

    /**
     * A network output [1, 3, H, W] as an 8-bit picture: each value clamped to 0..255 and rounded to nearest (the
     * reference clamps and then truncates; rounding is the smaller error). NaN becomes 0.
     */
    public static RgbImage fromArray(INDArray output) {
        if (output.rank() != 4 || output.size(0) != 1 || output.size(1) != 3) {
            throw new IllegalArgumentException("pictures: expected an output of shape [1, 3, H, W], got " + java.util.Arrays.toString(output.shape()));
        }
        int h = (int) output.size(2), w = (int) output.size(3);
        int[] pixels = new int[w * h];
        for (int y0 = 0; y0 < h; y0 += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, h - y0), n = rows * w;
            float[] v = output.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y0 + rows), NDArrayIndex.all())
                    .castTo(DataType.FLOAT).dup('c').data().asFloat();
            for (int i = 0; i < n; i++) pixels[y0 * w + i] = (level(v[i]) << 16) | (level(v[n + i]) << 8) | level(v[2 * n + i]);
        }
        return new RgbImage(w, h, pixels);
    }

    private static int level(float value) {
        if (!(value > 0)) return 0; // NaN too
        return value >= 255 ? 255 : Math.round(value);
    }
}
