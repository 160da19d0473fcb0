package dev.stylegrad.style.image;

import java.util.List;

/**
 * An 8-bit RGB image: {@code pixels[y·width + x] = 0xRRGGBB}. {@code conversions} lists what decoding changed
 * (e.g. "grayscale expanded to RGB", "alpha channel composited over white") so callers can tell the user.
 */
public record RgbImage(int width, int height, int[] pixels, List<String> conversions) {
    public RgbImage {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (pixels.length != width * height) {
            throw new IllegalArgumentException(pixels.length + " pixels do not make a " + width + "x" + height + " image");
        }
        conversions = List.copyOf(conversions);
    }

    public RgbImage(int width, int height, int[] pixels) {
        this(width, height, pixels, List.of());
    }

    public int maxSide() {
        return Math.max(width, height);
    }
}
