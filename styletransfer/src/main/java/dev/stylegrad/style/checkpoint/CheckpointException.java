package dev.stylegrad.style.checkpoint;

/**
 * A checkpoint that cannot be used: missing, corrupt, of another format version, or made with other settings. The
 * message names the file or the differing options and says how to proceed; the CLI reports it with exit code 2.
 */
public final class CheckpointException extends Exception {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
