package dev.stylegrad.cli;

import picocli.CommandLine;

/** Reads {@code --max-pixels}: a count of at least 1 (0 or a negative limit would refuse every picture, or none). */
public final class PixelLimit implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        long pixels;
        try {
            pixels = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number of pixels");
        }
        if (pixels < 1) throw new CommandLine.TypeConversionException("must be at least 1 pixel, got " + value);
        return pixels;
    }
}
