package dev.stylegrad.io;

import java.util.Arrays;

/**
 * Metadata of one stored tensor: its state-dict name, its stored dtype ("float32", "float64", "float16", "bfloat16",
 * "int64", "int32", "int16", "int8", "uint8", "bool") and its shape ({@code []} for a 0-d tensor).
 */
public record TensorInfo(String name, String dtype, long[] shape) {
    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a 0-d tensor). */
    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    // Records compare arrays by identity; compare shapes by value so TensorInfo works in assertions and maps.
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
