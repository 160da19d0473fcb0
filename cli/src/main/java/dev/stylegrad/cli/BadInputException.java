package dev.stylegrad.cli;

/** A problem with the user's input that the CLI reports as one sentence and exit code 3. */
final class BadInputException extends Exception {
    BadInputException(String message) {
        super(message);
    }
}
