package dev.stylegrad.style;

import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.models.ImageNet;
import java.io.IOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The one path from an image file to network input, shared by {@code run} and {@code features}. */
public final class InputImages {
    private InputImages() {}

    /**
     * Reads an image and scales it so its longer side is {@code maxSide} (no resampling when it already is; null
     * keeps the image's own size).
     */
    public static RgbImage load(Path file, Integer maxSide, long maxPixels) throws IOException {
        RgbImage image = ImageFiles.read(file, maxPixels);
        return maxSide == null ? image : Resampler.fitMaxSide(image, maxSide);
    }

    /** Normalized [1, 3, H, W] float32 network input. */
    public static INDArray toNetworkInput(RgbImage image) {
        return ImageNet.fromPixels(image.pixels(), image.width(), image.height());
    }
}
