package dev.stylegrad.cli;

/** The process exit codes of docs/design.md, "Command line and exit codes". */
public final class ExitCode {
    private ExitCode() {}

    public static final int OK = 0;
    /** Bad command line (picocli's own code for usage errors). */
    public static final int USAGE = 2;
    /** Bad input: an image, a weights file or a layer name that cannot be used. */
    public static final int BAD_INPUT = 3;
    /** The optimization diverged (NaN/Inf); the last finite image was kept. */
    public static final int DIVERGED = 4;
    /** Interrupted (Ctrl-C); the current image was saved first. */
    public static final int INTERRUPTED = 130;
}
