package dev.stylegrad.style;

import dev.stylegrad.style.image.RgbImage;

/** Where the optimization starts: the content image (the course's choice), uniform noise, or a given image. */
public sealed interface Init {
    record Content() implements Init {}

    /** Uniform random pixels in [0, 1), reproducible from the seed. */
    record Random() implements Init {}

    /** A given image, resized to the content's size. */
    record Image(RgbImage image) implements Init {}

    static Init content() {
        return new Content();
    }

    static Init random() {
        return new Random();
    }

    static Init image(RgbImage image) {
        return new Image(image);
    }
}
