package dev.stylegrad.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as a pickle describes it: a storage, an element offset into it, a shape and element strides. The factory
 * validates everything against the storage, so a reader can trust that every element index it computes is in range.
 */
record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    /** ND4J's limit, and far beyond any real weight tensor. */
    static final int MAX_RANK = 32;

    static TensorRef of(Path file, String context, StorageRef storage, long offset, long[] shape, long[] stride)
            throws WeightsFormatException {
        if (shape.length > MAX_RANK) {
            throw new WeightsFormatException(file, context + ": rank " + shape.length + " exceeds the maximum " + MAX_RANK);
        }
        if (stride.length != shape.length) {
            throw new WeightsFormatException(file, context + ": shape " + Arrays.toString(shape) + " and stride "
                    + Arrays.toString(stride) + " have different lengths");
        }
        if (offset < 0) throw new WeightsFormatException(file, context + ": negative storage offset " + offset);
        long numel = numel(file, context, shape);
        for (long s : stride) {
            if (s < 0) throw new WeightsFormatException(file, context + ": negative stride in " + Arrays.toString(stride));
        }
        if (numel > 0) {
            // The last element's index must lie inside the storage window; exact arithmetic so no overflow wraps around.
            long last = offset;
            try {
                for (int i = 0; i < shape.length; i++) last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            } catch (ArithmeticException e) {
                last = Long.MAX_VALUE;
            }
            if (last >= storage.length()) {
                throw new WeightsFormatException(file, context + ": shape " + Arrays.toString(shape) + ", stride "
                        + Arrays.toString(stride) + " and offset " + offset + " reach element " + last
                        + ", beyond its storage of " + storage.length() + " elements");
            }
        }
        return new TensorRef(storage, offset, shape.clone(), stride.clone());
    }

    /** Product of the dimensions, refusing negative dimensions and overflow. */
    static long numel(Path file, String context, long[] shape) throws WeightsFormatException {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new WeightsFormatException(file, context + ": negative dimension in shape " + Arrays.toString(shape));
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new WeightsFormatException(file, context + ": shape " + Arrays.toString(shape) + " has more than 2^63 elements");
            }
        }
        return n;
    }

    /** Element index (within the storage window) one past the last element read: the extent of bytes needed. */
    long extent() {
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) return offset;
            last += (shape[i] - 1) * stride[i];
        }
        return last + 1;
    }
}
