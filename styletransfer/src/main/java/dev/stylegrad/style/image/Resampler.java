package dev.stylegrad.style.image;

/**
 * Anti-aliased resizing with a triangle (bilinear) filter whose support widens with the downscale factor, the
 * algorithm of Pillow's {@code Image.resize(..., BILINEAR)} that torchvision's {@code Resize} uses on images; done in
 * floating point per axis and rounded once at the end.
 */
public final class Resampler {
    private Resampler() {}

    /**
     * Scales the image so its longer side is {@code maxSide}, keeping the aspect ratio; returns it unchanged (no
     * resampling at all) when its longer side already is {@code maxSide}.
     */
    public static RgbImage fitMaxSide(RgbImage image, int maxSide) {
        if (maxSide < 1) throw new IllegalArgumentException("size must be at least 1, got " + maxSide);
        if (image.maxSide() == maxSide) return image;
        int[] wh = fitMaxSideDimensions(image.width(), image.height(), maxSide);
        return resize(image, wh[0], wh[1]);
    }

    /** The {width, height} {@link #fitMaxSide} gives a width×height image, without resizing anything. */
    public static int[] fitMaxSideDimensions(int width, int height, int maxSide) {
        if (Math.max(width, height) == maxSide) return new int[] {width, height};
        double scale = (double) maxSide / Math.max(width, height);
        return new int[] {Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale))};
    }

    /**
     * torchvision's {@code transforms.Resize(n)}: the shorter side becomes {@code n} and the longer
     * ⌊n · longer / shorter⌋ (torchvision truncates); unchanged when the shorter side already is {@code n}.
     */
    public static RgbImage fitShorterSide(RgbImage image, int n) {
        if (n < 1) throw new IllegalArgumentException("size must be at least 1, got " + n);
        int[] wh = fitShorterSideDimensions(image.width(), image.height(), n);
        return resize(image, wh[0], wh[1]);
    }

    /** The {width, height} {@link #fitShorterSide} gives a width×height image, without resizing anything. */
    public static int[] fitShorterSideDimensions(int width, int height, int n) {
        if (Math.min(width, height) == n) return new int[] {width, height};
        if (width <= height) return new int[] {n, (int) ((long) n * height / width)};
        return new int[] {(int) ((long) n * width / height), n};
    }

    /** Resizes to exactly {@code width}×{@code height}. */
    public static RgbImage resize(RgbImage image, int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        if (width == image.width() && height == image.height()) return image;
        int srcW = image.width(), srcH = image.height();
        float[][] planes = new float[3][srcW * srcH];
        int[] px = image.pixels();
        for (int i = 0; i < px.length; i++) {
            planes[0][i] = (px[i] >> 16) & 0xFF;
            planes[1][i] = (px[i] >> 8) & 0xFF;
            planes[2][i] = px[i] & 0xFF;
        }
        Kernel kx = new Kernel(srcW, width);
        Kernel ky = new Kernel(srcH, height);
        int[] out = new int[width * height];
        float[] tmp = new float[width * srcH];
        int[] channel = new int[width * height];
        for (int c = 2; c >= 0; c--) {
            float[] src = planes[c];
            for (int y = 0; y < srcH; y++) {
                for (int x = 0; x < width; x++) tmp[y * width + x] = kx.apply(src, y * srcW, 1, x);
            }
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float v = ky.apply(tmp, x, width, y);
                    channel[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
                }
            }
            int shift = 8 * (2 - c);
            for (int i = 0; i < out.length; i++) out[i] |= channel[i] << shift;
        }
        return new RgbImage(width, height, out);
    }

    /**
     * Resizes one channel of floats (row-major, {@code srcWidth}×{@code srcHeight}) to {@code width}×{@code height} with
     * the filter of {@link #resize}, neither rounded nor clamped: for images that are not 8-bit, such as a normalized
     * image being optimized. The filter is linear with weights summing to 1, so it commutes (to float rounding) with the
     * per-channel affine normalization. Returns a new array (a copy when the size is unchanged).
     */
    public static float[] resizePlane(float[] src, int srcWidth, int srcHeight, int width, int height) {
        if (srcWidth < 1 || srcHeight < 1 || src.length != srcWidth * srcHeight) {
            throw new IllegalArgumentException("resizePlane: " + src.length + " values do not make a " + srcWidth + "x" + srcHeight + " plane");
        }
        if (width < 1 || height < 1) throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        if (width == srcWidth && height == srcHeight) return src.clone();
        Kernel kx = new Kernel(srcWidth, width);
        Kernel ky = new Kernel(srcHeight, height);
        float[] tmp = new float[width * srcHeight];
        for (int y = 0; y < srcHeight; y++) {
            for (int x = 0; x < width; x++) tmp[y * width + x] = kx.apply(src, y * srcWidth, 1, x);
        }
        float[] out = new float[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) out[y * width + x] = ky.apply(tmp, x, width, y);
        }
        return out;
    }

    /** Per-output-sample weights along one axis. */
    private static final class Kernel {
        final int[] first;
        final float[][] weights;

        Kernel(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // triangle filter: support 1, widened when shrinking
            first = new int[outSize];
            weights = new float[outSize][];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max(0, (int) (center - support + 0.5));
                int hi = Math.min(inSize, (int) (center + support + 0.5));
                double[] w = new double[Math.max(1, hi - lo)];
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    double t = Math.abs((j - center + 0.5) / filterScale);
                    w[j - lo] = t < 1 ? 1 - t : 0;
                    sum += w[j - lo];
                }
                float[] wf = new float[w.length];
                for (int j = 0; j < w.length; j++) wf[j] = (float) (sum > 0 ? w[j] / sum : (j == 0 ? 1 : 0));
                first[i] = Math.min(lo, inSize - 1);
                weights[i] = wf;
            }
        }

        float apply(float[] src, int base, int stride, int i) {
            float[] w = weights[i];
            float acc = 0;
            int idx = base + first[i] * stride;
            for (float wj : w) {
                acc += wj * src[idx];
                idx += stride;
            }
            return acc;
        }
    }
}
