package dev.stylegrad.cli;

/** A problem with the user's input that the CLI reports as one sentence and exit code 3. */
public final class BadInputException extends Exception {
    public BadInputException(String message) {
        super(message);
    }
}
