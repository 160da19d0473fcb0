package dev.stylegrad.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python values a restricted pickle can build. Scalars map to Java types: None = {@code null}, bool =
 * {@link Boolean}, int = {@link Long} or {@link BigInteger}, float = {@link Double}, str = {@link String}. Containers
 * are the classes below. They compare by identity on purpose: pickles can build cyclic or very deep structures, and
 * nothing here may walk them recursively (no deep equals, hashCode or toString).
 */
final class Py {
    private Py() {}

    /** A tuple (immutable once built; may hold None as null). */
    static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** A list. */
    static final class PyList {
        final List<Object> items = new ArrayList<>();
    }

    /** A dict or OrderedDict, insertion-ordered; {@code attributes} holds state set by BUILD (e.g. {@code _metadata}). */
    static final class Dict {
        final Map<Object, Object> items = new LinkedHashMap<>();
        final Map<Object, Object> attributes = new LinkedHashMap<>();
        final boolean ordered;

        Dict(boolean ordered) {
            this.ordered = ordered;
        }
    }

    /** A bytes object. */
    static final class Bytes {
        final byte[] value;

        Bytes(byte[] value) {
            this.value = value;
        }
    }

    /** True for the values we allow as dict keys: scalars whose equals/hashCode cannot recurse. */
    static boolean hashableScalar(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof BigInteger
                || o instanceof Boolean || o instanceof Double;
    }

    /** A short, non-recursive description of a value for error messages, e.g. "str 'features.0.weight'", "tuple of 3". */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String s) return "str '" + clip(s) + "'";
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Long || o instanceof BigInteger) return "int " + clip(o.toString());
        if (o instanceof Double d) return "float " + d;
        if (o instanceof Tuple t) return "tuple of " + t.size();
        if (o instanceof PyList l) return "list of " + l.items.size();
        if (o instanceof Dict d) return (d.ordered ? "OrderedDict" : "dict") + " of " + d.items.size();
        if (o instanceof Bytes b) return "bytes of length " + b.value.length;
        if (o instanceof TorchGlobal g) return "global " + g.qualifiedName();
        if (o instanceof ElementType t) return "global torch." + t.torchStorage;
        if (o instanceof StorageRef s) return "storage '" + clip(s.key()) + "'";
        if (o instanceof TensorRef) return "tensor";
        return o.getClass().getSimpleName();
    }

    /** Keeps hostile strings from flooding messages: at most 80 characters, control characters escaped. */
    static String clip(String s) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (; i < s.length() && sb.length() < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (i < s.length()) sb.append("…(").append(s.length()).append(" chars)");
        return sb.toString();
    }
}
