package dev.stylegrad.style.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings that determine a run's result, as option name to canonical value (files by their sha256, numbers
 * parsed and printed back so {@code 1e6} equals {@code 1000000}). A resume must repeat them; {@link #differences}
 * lists what it does not.
 */
public final class Fingerprint {
    private final Map<String, String> values;

    public Fingerprint(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, String> values() {
        return values;
    }

    /**
     * One line per option whose value differs ({@code --size: checkpoint 512, given 256}), in this fingerprint's
     * order, then options only one side has; empty when they agree.
     */
    public List<String> differences(Fingerprint given) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String other = given.values.get(e.getKey());
            if (!Objects.equals(e.getValue(), other)) out.add(e.getKey() + ": checkpoint " + shown(e.getValue()) + ", given " + shown(other));
        }
        for (Map.Entry<String, String> e : given.values.entrySet()) {
            if (!values.containsKey(e.getKey())) out.add(e.getKey() + ": checkpoint (not recorded), given " + shown(e.getValue()));
        }
        return out;
    }

    /** File hashes shortened to 12 hex digits: enough to tell two files apart in a message. */
    private static String shown(String value) {
        if (value == null) return "(not recorded)";
        return value.replaceAll("sha256:([0-9a-f]{12})[0-9a-f]{52}", "sha256:$1...");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint f && f.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
