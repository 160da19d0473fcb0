package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleFunction;

/** Layer names with weights, e.g. {@code relu1_1:1,relu2_1:0.75}; a bare name has weight 1. Order is kept. */
public final class LayerWeights {
    private LayerWeights() {}

    /** The course defaults: content relu4_2; style relu1_1..relu5_1 weighted 1, 0.75, 0.2, 0.2, 0.2. */
    public static final Map<String, Double> DEFAULT_CONTENT = Collections.unmodifiableMap(parse("relu4_2:1"));
    public static final Map<String, Double> DEFAULT_STYLE = Collections.unmodifiableMap(parse("relu1_1:1,relu2_1:0.75,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2"));

    /**
     * Parses {@code name[:weight],...}.
     *
     * @throws IllegalArgumentException naming the bad entry (unknown layer, bad or negative weight, repeated layer)
     */
    public static Map<String, Double> parse(String spec) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty layer list");
        for (String entry : spec.split(",")) {
            String e = entry.trim();
            int colon = e.indexOf(':');
            String name = colon < 0 ? e : e.substring(0, colon).trim();
            double w = 1;
            if (colon >= 0) {
                try {
                    w = Double.parseDouble(e.substring(colon + 1).trim());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("bad weight in layer entry '" + e + "'; expected name:number, e.g. relu1_1:0.75");
                }
            }
            requireKnown(name);
            if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("layer weight must be a finite number >= 0, got '" + e + "'");
            if (out.put(name, w) != null) throw new IllegalArgumentException("layer '" + name + "' is listed twice");
        }
        return out;
    }

    /**
     * Refuses a name VGG19 does not have.
     *
     * @throws IllegalArgumentException naming it and the valid names
     */
    public static void requireKnown(String name) {
        if (!Vgg.layerNames().contains(name)) {
            throw new IllegalArgumentException("unknown layer '" + name + "'; valid names are conv1_1..conv5_4, relu1_1..relu5_4, pool1..pool5");
        }
    }

    /** {@code name:weight,...} with Java's canonical numbers ({@code relu1_1:1.0}). */
    public static String format(Map<String, Double> weights) {
        return format(weights, Double::toString);
    }

    /** {@code name:weight,...} with the numbers formatted by {@code numbers}. */
    public static String format(Map<String, Double> weights, DoubleFunction<String> numbers) {
        StringBuilder b = new StringBuilder();
        weights.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append(':').append(numbers.apply(v)));
        return b.toString();
    }
}
