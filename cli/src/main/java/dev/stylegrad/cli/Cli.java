package dev.stylegrad.cli;

import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.image.ImageInputException;
import dev.stylegrad.models.WeightsLocation;
import dev.stylegrad.io.WeightsFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;

/** Shared CLI plumbing: weights resolution and the mapping from failures to one stderr sentence and an exit code. */
final class Cli {
    private Cli() {}

    /** The weights file to use, or a {@link BadInputException} telling the user how to get one. */
    static Path weightsFile(Path explicit) throws BadInputException {
        Path f = WeightsLocation.resolve(explicit);
        if (Files.isDirectory(f)) throw new BadInputException(f + ": is a directory, not a weights file");
        if (Files.exists(f) && !Files.isRegularFile(f)) throw new BadInputException(f + ": is not a regular file (a FIFO, socket or device); give the weights file itself");
        if (!Files.isRegularFile(f)) throw new BadInputException(WeightsLocation.howToGet(f));
        return f;
    }

    /** Maps exceptions escaping a command to the exit codes of docs/design.md, printing one sentence (no stack trace). */
    static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        // A write that failed inside a step listener (e.g. the disk filled up) is reported like any other I/O error.
        if (e instanceof java.io.UncheckedIOException u) e = u.getCause();
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int code;
        if (e instanceof CheckpointException) {
            code = ExitCode.USAGE; // the checkpoint does not fit the command line: fix the options or the directory
        } else if (e instanceof SettingsException) {
            code = ExitCode.USAGE; // an option out of its range, or options that contradict each other (the library's check)
        } else if (e instanceof UnsupportedOptionException || e instanceof UnsupportedOperationException) {
            code = ExitCode.USAGE; // an option this build or machine cannot honour (the library says so by UnsupportedOperationException)
        } else if (e instanceof BadInputException || e instanceof ImageInputException || e instanceof WeightsFormatException) {
            code = ExitCode.BAD_INPUT;
        } else if (e instanceof NoSuchFileException nsf) {
            message = nsf.getFile() + ": no such file";
            code = ExitCode.BAD_INPUT;
        } else if (e instanceof AccessDeniedException ade) {
            message = ade.getFile() + ": permission denied";
            code = ExitCode.BAD_INPUT;
        } else if (e instanceof IllegalArgumentException) {
            code = ExitCode.BAD_INPUT;
        } else if (e instanceof IOException) {
            code = ExitCode.BAD_INPUT;
        } else {
            err.println("stylegrad: internal error: " + message);
            e.printStackTrace(err);
            err.flush();
            return 1;
        }
        err.println("stylegrad: " + message);
        err.flush();
        return code;
    }
}
