package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.image.RgbImage;
import java.util.List;
import java.util.Locale;

/** Checks of the inputs against the settings, before any work. */
final class InputChecks {
    private InputChecks() {}

    /** Refuses images that a very long or thin shape makes too small, at the first (smallest) scale, to reach the deepest layer. */
    static void imagesReachTheLayers(RunSettings s, RgbImage content, List<RgbImage> styles) {
        String deepest = s.deepestLayer();
        int min = Vgg.minimumSide(deepest);
        int[] working = s.schedule().workingSize(0, content.width(), content.height());
        checkSide("content image", content, working[0], working[1], min, deepest, s);
        for (int k = 0; k < styles.size(); k++) {
            int sw = Math.max(1, (int) Math.round(working[0] * s.styleScale())), sh = Math.max(1, (int) Math.round(working[1] * s.styleScale()));
            checkSide("style image " + (k + 1), styles.get(k), sw, sh, min, deepest, s);
        }
    }

    private static void checkSide(String what, RgbImage original, int w, int h, int min, String deepest, RunSettings s) {
        if (w >= min && h >= min) return;
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "the %s (%dx%d) is worked on at %dx%d, but VGG19 needs at least %dx%d pixels to reach %s (each pooling halves it): "
                        + "use a larger %s%s, or crop the image to a less extreme aspect ratio",
                what, original.width(), original.height(), w, h, min, min, deepest, s.schedule().scales() == 1 ? "--size" : "first scale",
                what.startsWith("style") ? " or --style-scale" : ""));
    }
}
