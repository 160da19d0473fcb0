package dev.stylegrad.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The loader's own exception for every problem with a weights file: unknown format, truncation, corruption, a
 * forbidden pickle global, an impossible size. The message is the file path followed by what was expected and what
 * was found, so the CLI can print it as the one sentence a user sees.
 */
public class WeightsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public WeightsFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public WeightsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The weights file the problem was found in. */
    public Path file() {
        return file;
    }
}
