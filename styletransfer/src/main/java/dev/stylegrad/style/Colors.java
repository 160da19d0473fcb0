package dev.stylegrad.style;

import dev.stylegrad.style.image.RgbImage;

/**
 * Color preservation by luminance-only transfer (Gatys et al., "Preserving Color in Neural Artistic Style Transfer",
 * 2016): the result's luminance (Y of YIQ) with the content image's chrominance (I and Q).
 */
public final class Colors {
    private Colors() {}

    /** The stylized image recolored with {@code content}'s colors; both must have the same size. */
    public static RgbImage keepOriginalColors(RgbImage stylized, RgbImage content) {
        if (stylized.width() != content.width() || stylized.height() != content.height()) {
            throw new IllegalArgumentException("original colors: the result is " + stylized.width() + "x" + stylized.height()
                    + " but the content image is " + content.width() + "x" + content.height());
        }
        int[] out = new int[stylized.pixels().length];
        for (int i = 0; i < out.length; i++) {
            int s = stylized.pixels()[i], c = content.pixels()[i];
            double y = 0.299 * r(s) + 0.587 * g(s) + 0.114 * b(s);
            double ci = 0.596 * r(c) - 0.274 * g(c) - 0.322 * b(c);
            double cq = 0.211 * r(c) - 0.523 * g(c) + 0.312 * b(c);
            int rr = clamp(y + 0.956 * ci + 0.621 * cq);
            int gg = clamp(y - 0.272 * ci - 0.647 * cq);
            int bb = clamp(y - 1.106 * ci + 1.703 * cq);
            out[i] = rr << 16 | gg << 8 | bb;
        }
        return new RgbImage(stylized.width(), stylized.height(), out);
    }

    private static int r(int p) {
        return (p >> 16) & 0xFF;
    }

    private static int g(int p) {
        return (p >> 8) & 0xFF;
    }

    private static int b(int p) {
        return p & 0xFF;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
