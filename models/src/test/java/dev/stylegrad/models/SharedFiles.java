package dev.stylegrad.models;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files in the workplace's {@code shared/} folder (beside the checkout's parent), for tests that skip without it. */
public final class SharedFiles {
    private SharedFiles() {}

    /** {@code shared/<relative>} found by walking up from the working directory, or null. */
    public static Path find(String relative) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) return candidate;
        }
        return null;
    }
}
