package dev.stylegrad.style;

/**
 * A setting out of its range, or settings that contradict each other, found before any work starts; the message is
 * one sentence naming the setting and what would be accepted. The command line reports these as usage errors.
 */
public class SettingsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }
}
