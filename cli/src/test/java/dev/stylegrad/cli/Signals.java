package dev.stylegrad.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the signal tests need to know about how this JVM was started. */
final class Signals {
    private Signals() {}

    /**
     * Whether SIGINT is ignored in this process (and so in the children it starts, which inherit it): the case when
     * the build runs as a background job of a non-interactive shell. A JVM started that way does not react to
     * Ctrl-C at all, so the Ctrl-C tests cannot run there.
     */
    static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (2 - 1))) != 0;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
