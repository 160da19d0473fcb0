package dev.stylegrad.style;

import java.util.function.DoubleFunction;

/** How settings' numbers are written in help texts, messages and checkpoint fingerprints. */
public final class SettingsText {
    private SettingsText() {}

    /** A number as a person writes it: {@code 1e6}, {@code 0.003}, {@code 1}, {@code 1e-4}. */
    public static String readable(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e5) return Long.toString((long) value);
        if (value != 0 && Double.isFinite(value)) {
            long e = Math.round(Math.log10(Math.abs(value)));
            if ((e >= 5 || e <= -4) && Math.abs(value) == Double.parseDouble("1e" + e)) return (value < 0 ? "-" : "") + "1e" + e;
        }
        return Double.toString(value);
    }

    static String join(double[] values, DoubleFunction<String> numbers) {
        StringBuilder s = new StringBuilder();
        for (double d : values) s.append(s.length() == 0 ? "" : ",").append(numbers.apply(d));
        return s.toString();
    }
}
