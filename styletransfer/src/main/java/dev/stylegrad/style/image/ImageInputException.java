package dev.stylegrad.style.image;

import java.io.IOException;
import java.nio.file.Path;

/** An image file that cannot be used: missing, empty, not an image, truncated, too large. The message names the file. */
public final class ImageInputException extends IOException {
    private final Path file;

    public ImageInputException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ImageInputException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
