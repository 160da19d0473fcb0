package dev.stylegrad.cli;

/**
 * An option this build or this machine cannot honour (e.g. {@code --precision bf16} on a CPU without bfloat16
 * instructions): a usage error, reported as one sentence and exit code 2, never worked around silently.
 */
final class UnsupportedOptionException extends Exception {
    UnsupportedOptionException(String message) {
        super(message);
    }
}
