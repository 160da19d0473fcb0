package dev.stylegrad.models;

import dev.stylegrad.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ImageNet input convention of torchvision's VGG: RGB in [0, 1], then {@code (x − mean) / std} per channel. The only
 * place pixels become network input ({@link #normalize}) and network input becomes pixels ({@link #toPixels}).
 */
public final class ImageNet {
    // torchvision's numbers; the float32 copies are what the arrays here compute with ((float) of each is exactly
    // the float literal, e.g. 0.485f).
    private static final double[] MEAN_VALUES = {0.485, 0.456, 0.406};
    private static final double[] STD_VALUES = {0.229, 0.224, 0.225};
    private static final float[] MEAN = {(float) MEAN_VALUES[0], (float) MEAN_VALUES[1], (float) MEAN_VALUES[2]};
    private static final float[] STD = {(float) STD_VALUES[0], (float) STD_VALUES[1], (float) STD_VALUES[2]};

    private ImageNet() {}

    /** The mean of RGB channel {@code channel} (0, 1, 2) over ImageNet, for values in [0, 1]: 0.485, 0.456, 0.406. */
    public static double mean(int channel) {
        return MEAN_VALUES[channel];
    }

    /** The standard deviation of RGB channel {@code channel} (0, 1, 2) over ImageNet: 0.229, 0.224, 0.225. */
    public static double std(int channel) {
        return STD_VALUES[channel];
    }

    /**
     * Normalizes RGB values in [0, 1], shaped [N, 3, H, W], into a new float32 array: {@code (x − mean) / std}.
     */
    public static INDArray normalize(INDArray rgb01) {
        checkImage("normalize", rgb01);
        INDArray out = rgb01.castTo(DataType.FLOAT).dup('c');
        for (int c = 0; c < 3; c++) {
            INDArray channel = out.get(channel(c));
            channel.subi(MEAN[c]).divi(STD[c]);
        }
        return out;
    }

    /** The inverse of {@link #normalize}: {@code x·std + mean}, not clamped, into a new float32 array. */
    public static INDArray denormalize(INDArray normalized) {
        checkImage("denormalize", normalized);
        INDArray out = normalized.castTo(DataType.FLOAT).dup('c');
        for (int c = 0; c < 3; c++) {
            out.get(channel(c)).muli(STD[c]).addi(MEAN[c]);
        }
        return out;
    }

    /**
     * 8-bit pixels of image 0 of a normalized batch: {@code round(clamp(x·std + mean, 0, 1) ·
     * 255)}, returned as packed {@code 0xRRGGBB} ints in row-major order.
     */
    public static int[] toPixels(INDArray normalized) {
        checkImage("toPixels", normalized);
        int h = (int) normalized.size(2), w = (int) normalized.size(3);
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) {
            INDArray plane = normalized.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                    .castTo(DataType.FLOAT).dup('c');
            planes[c] = plane.data().asFloat();
        }
        int[] rgb = new int[h * w];
        for (int i = 0; i < rgb.length; i++) {
            int r = to8bit(planes[0][i] * STD[0] + MEAN[0]);
            int g = to8bit(planes[1][i] * STD[1] + MEAN[1]);
            int b = to8bit(planes[2][i] * STD[2] + MEAN[2]);
            rgb[i] = (r << 16) | (g << 8) | b;
        }
        return rgb;
    }

    /** Packed {@code 0xRRGGBB} pixels (row-major, h·w) to a normalized [1, 3, h, w] float32 array. */
    public static INDArray fromPixels(int[] rgb, int width, int height) {
        if (rgb.length != width * height) {
            throw new IllegalArgumentException("fromPixels: " + rgb.length + " pixels do not make a " + width + "x" + height + " image");
        }
        float[] data = new float[3 * rgb.length];
        int plane = rgb.length;
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            // Same float32 arithmetic order as torchvision: (p / 255 − mean) / std.
            data[i] = ((((p >> 16) & 0xFF) / 255f) - MEAN[0]) / STD[0];
            data[plane + i] = ((((p >> 8) & 0xFF) / 255f) - MEAN[1]) / STD[1];
            data[2 * plane + i] = (((p & 0xFF) / 255f) - MEAN[2]) / STD[2];
        }
        return Nd4j.create(data, new long[] {1, 3, height, width}, 'c');
    }

    private static int to8bit(float v) {
        float clamped = Math.max(0f, Math.min(1f, v));
        return Math.round(clamped * 255f);
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] channel(int c) {
        return new org.nd4j.linalg.indexing.INDArrayIndex[] {org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(c), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all()};
    }

    private static void checkImage(String op, INDArray x) {
        Shapes.requireRank(op, "image [N, 3, H, W]", x, 4);
        if (x.size(1) != 3) {
            throw new IllegalArgumentException(op + ": image must have 3 (RGB) channels, but has shape " + Shapes.format(x.shape()));
        }
    }
}
