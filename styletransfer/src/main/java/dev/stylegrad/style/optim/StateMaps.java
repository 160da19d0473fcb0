package dev.stylegrad.style.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Typed reads from an optimizer state map, failing with the optimizer and key named rather than a cast error. */
final class StateMaps {
    private StateMaps() {}

    static Number number(Map<String, Object> state, String optimizer, String key) {
        return get(state, optimizer, key, Number.class);
    }

    static boolean bool(Map<String, Object> state, String optimizer, String key) {
        return get(state, optimizer, key, Boolean.class);
    }

    static INDArray array(Map<String, Object> state, String optimizer, String key) {
        return get(state, optimizer, key, INDArray.class);
    }

    private static <T> T get(Map<String, Object> state, String optimizer, String key, Class<T> type) {
        Object v = state.get(key);
        if (v == null) throw new IllegalArgumentException(optimizer + " state: missing '" + key + "'");
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException(optimizer + " state: '" + key + "' should be a " + type.getSimpleName()
                    + ", found " + v.getClass().getSimpleName());
        }
        return type.cast(v);
    }
}
