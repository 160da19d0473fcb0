package dev.stylegrad.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns the raw little-endian bytes of a stored tensor into a C-order float32 INDArray, gathering strided
 * (non-contiguous) layouts and widening or narrowing float16, bfloat16 and float64 to float32.
 */
final class TensorDecoder {
    /** Java arrays hold at most about 2^31 elements. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorDecoder() {}

    /**
     * @param src    little-endian bytes whose element 0 is the tensor's first element (its storage offset applied)
     * @param stride element strides, relative to {@code src}
     */
    static INDArray decode(Path file, String name, ByteBuffer src, ElementType type, long[] shape, long[] stride)
            throws WeightsFormatException {
        long numel = checkReadable(file, name, type, shape);
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) numel];
        if (numel > 0) {
            if (isContiguous(shape, stride) && type == ElementType.FLOAT32) {
                b.asFloatBuffer().get(out); // the common case: one bulk copy
            } else {
                gather(b, type, shape, stride, out);
            }
        }
        if (shape.length == 0) return Nd4j.scalar(out[0]);
        if (numel == 0) return Nd4j.create(DataType.FLOAT, shape, 'c');
        return Nd4j.create(out, shape, 'c');
    }

    /** Refuses what cannot become a float32 Java array (integer dtypes, too many elements); returns the element count. */
    static long checkReadable(Path file, String name, ElementType type, long[] shape) throws WeightsFormatException {
        if (!type.floating) {
            throw new WeightsFormatException(file, "tensor '" + name + "' has dtype " + type.dtype
                    + "; only float32, float64, float16 and bfloat16 tensors can be read as float32");
        }
        long numel = TensorRef.numel(file, "tensor '" + name + "'", shape);
        if (numel > MAX_ELEMENTS) {
            throw new WeightsFormatException(file, "tensor '" + name + "' has " + numel + " elements, more than the "
                    + MAX_ELEMENTS + " a single array can hold");
        }
        return numel;
    }

    /** Walks the index space in C order with an odometer, reading element {@code Σ index_i · stride_i}. */
    private static void gather(ByteBuffer b, ElementType type, long[] shape, long[] stride, float[] out) {
        int rank = shape.length;
        long[] index = new long[rank];
        long at = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = element(b, type, at);
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    at += stride[d];
                    break;
                }
                at -= (shape[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
    }

    private static float element(ByteBuffer b, ElementType type, long at) {
        int pos = Math.toIntExact(at * type.size);
        return switch (type) {
            case FLOAT32 -> b.getFloat(pos);
            case FLOAT64 -> (float) b.getDouble(pos);
            case FLOAT16 -> halfToFloat(b.getShort(pos));
            case BFLOAT16 -> Float.intBitsToFloat((b.getShort(pos) & 0xFFFF) << 16);
            default -> throw new AssertionError(type);
        };
    }

    static boolean isContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** C-order strides of a shape. */
    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long n = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = n;
            n *= shape[i];
        }
        return s;
    }

    /** IEEE 754 binary16 to binary32, exact (every half value is a float), including subnormals, inf and NaN. */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13);
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant · 2^-24, exact in float
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }
}
