package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link TensorDecoder} on hand-made byte layouts: every element type, strided gathers against an index computed
 * independently for every element, the float16 conversion for all 65,536 bit patterns, and the limits it refuses.
 */
class TensorDecoderTest {
    static final Path FILE = Path.of("weights.bin");

    /** Storage of {@code n} elements of {@code type} whose element k has the value {@code 0.5·k − 3} (exact in every type). */
    static ByteBuffer storage(ElementType type, int n) {
        ByteBuffer b = ByteBuffer.allocate(n * type.size).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) {
            double v = value(k);
            switch (type) {
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT64 -> b.putDouble(v);
                case BFLOAT16 -> b.putShort((short) (Float.floatToIntBits((float) v) >>> 16));
                case FLOAT16 -> b.putShort(toHalf(v));
                default -> throw new AssertionError(type);
            }
        }
        return b.flip();
    }

    static double value(long k) {
        return 0.5 * k - 3;
    }

    /** binary16 bits of a value with |v| < 2^11 that is a multiple of 2^-4 (exact): built from sign, exponent, mantissa. */
    static short toHalf(double v) {
        if (v == 0) return 0;
        int sign = v < 0 ? 0x8000 : 0;
        double a = Math.abs(v);
        int e = Math.getExponent(a);
        int mant = (int) Math.round((a / Math.scalb(1.0, e) - 1) * 1024);
        return (short) (sign | (e + 15) << 10 | mant);
    }

    /** The float32 value of element {@code index} (C order over {@code shape}) read at {@code Σ index_i · stride_i}. */
    static float[] expected(long[] shape, long[] stride, long offset) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] out = new float[n];
        for (int flat = 0; flat < n; flat++) {
            long rest = flat, at = offset;
            for (int i = shape.length - 1; i >= 0; i--) {
                at += (rest % shape[i]) * stride[i];
                rest /= shape[i];
            }
            out[flat] = (float) value(at);
        }
        return out;
    }

    static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    @Test
    void contiguousFloat32IsCopiedInCOrder() throws WeightsFormatException {
        long[] shape = {2, 3, 4};
        INDArray a = TensorDecoder.decode(FILE, "w", storage(ElementType.FLOAT32, 24), ElementType.FLOAT32, shape,
                TensorDecoder.contiguousStrides(shape));
        assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(a.shape()).containsExactly(2, 3, 4);
        assertThat(a.ordering()).isEqualTo('c');
        assertThat(floats(a)).containsExactly(expected(shape, new long[] {12, 4, 1}, 0));
    }

    @Test
    void everyFloatingTypeDecodesContiguousAndStridedLayouts() throws WeightsFormatException {
        long[][] shapes = {{3, 4}, {2, 3, 2}, {5}, {4, 1, 3}};
        long[][] strides = {
            {1, 3},        // transposed (column-major)
            {1, 2, 6},     // fully reversed axes
            {2},           // every other element
            {1, 7, 4}};    // a size-1 axis with a stride that does not matter, the others out of order
        for (ElementType type : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64, ElementType.FLOAT16, ElementType.BFLOAT16}) {
            for (int c = 0; c < shapes.length; c++) {
                ByteBuffer src = storage(type, 40);
                INDArray a = TensorDecoder.decode(FILE, "w", src, type, shapes[c], strides[c]);
                assertThat(a.shape()).as(type + " shape").containsExactly(shapes[c]);
                assertThat(floats(a)).as(type + " case " + c).containsExactly(expected(shapes[c], strides[c], 0));
            }
            long[] shape = {2, 3};
            INDArray a = TensorDecoder.decode(FILE, "w", storage(type, 6), type, shape, TensorDecoder.contiguousStrides(shape));
            assertThat(floats(a)).as(type + " contiguous").containsExactly(expected(shape, new long[] {3, 1}, 0));
        }
    }

    @Test
    void theSourcePositionIsElementZeroAndItsByteOrderIsIgnored() throws WeightsFormatException {
        // A buffer positioned at element 5 (a storage offset), handed over big-endian: decoding reads little-endian.
        ByteBuffer src = storage(ElementType.FLOAT64, 20).position(5 * 8).slice().order(ByteOrder.BIG_ENDIAN);
        INDArray a = TensorDecoder.decode(FILE, "w", src, ElementType.FLOAT64, new long[] {2, 2}, new long[] {1, 2});
        assertThat(floats(a)).containsExactly(expected(new long[] {2, 2}, new long[] {1, 2}, 5));
        ByteBuffer contiguous = storage(ElementType.FLOAT32, 8).order(ByteOrder.BIG_ENDIAN);
        assertThat(floats(TensorDecoder.decode(FILE, "w", contiguous, ElementType.FLOAT32, new long[] {8}, new long[] {1})))
                .containsExactly(expected(new long[] {8}, new long[] {1}, 0));
        assertThat(contiguous.position()).as("the caller's buffer is not moved").isZero();
    }

    @Test
    void zeroStrideRepeatsAnElement() throws WeightsFormatException {
        INDArray a = TensorDecoder.decode(FILE, "w", storage(ElementType.FLOAT32, 3), ElementType.FLOAT32, new long[] {2, 3}, new long[] {0, 1});
        assertThat(floats(a)).containsExactly(-3f, -2.5f, -2f, -3f, -2.5f, -2f);
    }

    @Test
    void scalarsAndEmptyTensors() throws WeightsFormatException {
        ByteBuffer src = storage(ElementType.FLOAT32, 4).position(8).slice();
        INDArray s = TensorDecoder.decode(FILE, "s", src, ElementType.FLOAT32, new long[0], new long[0]);
        assertThat(s.rank()).isZero();
        assertThat(s.getFloat(0)).isEqualTo(-2f);
        INDArray h = TensorDecoder.decode(FILE, "s", storage(ElementType.FLOAT16, 4), ElementType.FLOAT16, new long[0], new long[0]);
        assertThat(h.rank()).isZero();
        assertThat(h.getFloat(0)).isEqualTo(-3f);

        INDArray empty = TensorDecoder.decode(FILE, "e", ByteBuffer.allocate(0), ElementType.FLOAT32, new long[] {3, 0}, new long[] {0, 1});
        assertThat(empty.shape()).containsExactly(3, 0);
        assertThat(empty.length()).isZero();
        assertThat(empty.dataType()).isEqualTo(DataType.FLOAT);
        INDArray emptyHalf = TensorDecoder.decode(FILE, "e", ByteBuffer.allocate(0), ElementType.FLOAT16, new long[] {0}, new long[] {1});
        assertThat(emptyHalf.shape()).containsExactly(0);
        assertThat(emptyHalf.dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void halfToFloatIsExactForAllBitPatterns() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float got = TensorDecoder.halfToFloat((short) bits);
            int sign = bits >>> 15, exp = bits >>> 10 & 31, mant = bits & 1023;
            double magnitude;
            if (exp == 31) {
                magnitude = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
            } else if (exp == 0) {
                magnitude = mant * Math.pow(2, -24);
            } else {
                magnitude = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            }
            double want = sign == 1 ? -magnitude : magnitude;
            if (Double.isNaN(want)) {
                assertThat(got).as("bits %04x", bits).isNaN();
                // The payload survives (shifted into float32's mantissa), so NaNs stay distinguishable.
                assertThat(Float.floatToRawIntBits(got)).as("bits %04x", bits).isEqualTo(sign << 31 | 0x7F800000 | mant << 13);
            } else {
                assertThat((double) got).as("bits %04x", bits).isEqualTo(want);
                assertThat(Float.floatToRawIntBits(got) >>> 31).as("sign of bits %04x", bits).isEqualTo(sign); // -0 stays -0
            }
        }
    }

    @Test
    void bfloat16IsTheUpperHalfOfFloat32() throws WeightsFormatException {
        float[] values = {1f, -2.5f, 3.0e38f, -1.0e-38f, Float.NEGATIVE_INFINITY, 0x1.fep-126f, -0f};
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        float[] want = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            int upper = Float.floatToRawIntBits(values[i]) >>> 16;
            b.putShort((short) upper);
            want[i] = Float.intBitsToFloat(upper << 16);
        }
        INDArray a = TensorDecoder.decode(FILE, "b", b.flip(), ElementType.BFLOAT16, new long[] {values.length}, new long[] {1});
        float[] got = floats(a);
        for (int i = 0; i < values.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("element " + i).isEqualTo(Float.floatToRawIntBits(want[i]));
        }
        assertThat(want[0]).isEqualTo(1f); // the construction above is the format, not a re-run of the code
        assertThat(want[1]).isEqualTo(-2.5f);
    }

    @Test
    void contiguityIgnoresSizeOneAxesOnly() {
        assertThat(TensorDecoder.isContiguous(new long[] {2, 3, 4}, new long[] {12, 4, 1})).isTrue();
        assertThat(TensorDecoder.isContiguous(new long[] {2, 1, 4}, new long[] {4, 99, 1})).isTrue();
        assertThat(TensorDecoder.isContiguous(new long[] {1}, new long[] {5})).isTrue();
        assertThat(TensorDecoder.isContiguous(new long[0], new long[0])).isTrue();
        assertThat(TensorDecoder.isContiguous(new long[] {2, 3}, new long[] {1, 2})).isFalse();
        assertThat(TensorDecoder.isContiguous(new long[] {2, 3}, new long[] {4, 1})).isFalse(); // padded rows
        assertThat(TensorDecoder.isContiguous(new long[] {3}, new long[] {2})).isFalse();
        assertThat(TensorDecoder.isContiguous(new long[] {2, 2}, new long[] {2, 0})).isFalse();

        assertThat(TensorDecoder.contiguousStrides(new long[] {2, 3, 4})).containsExactly(12, 4, 1);
        assertThat(TensorDecoder.contiguousStrides(new long[] {5, 1, 7})).containsExactly(7, 7, 1);
        assertThat(TensorDecoder.contiguousStrides(new long[0])).isEmpty();
    }

    @Test
    void readableTypesAndSizes() throws WeightsFormatException {
        assertThat(TensorDecoder.checkReadable(FILE, "w", ElementType.FLOAT16, new long[] {3, 5, 7})).isEqualTo(105);
        assertThat(TensorDecoder.checkReadable(FILE, "w", ElementType.FLOAT32, new long[0])).isEqualTo(1);
        assertThat(TensorDecoder.checkReadable(FILE, "w", ElementType.FLOAT64, new long[] {TensorDecoder.MAX_ELEMENTS}))
                .isEqualTo(Integer.MAX_VALUE - 8);
        assertThatThrownBy(() -> TensorDecoder.checkReadable(FILE, "w", ElementType.BFLOAT16, new long[] {TensorDecoder.MAX_ELEMENTS + 1}))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("tensor 'w' has 2147483640 elements, more than the 2147483639");
        for (ElementType t : new ElementType[] {ElementType.INT64, ElementType.INT32, ElementType.INT16, ElementType.INT8,
            ElementType.UINT8, ElementType.BOOL}) {
            assertThatThrownBy(() -> TensorDecoder.checkReadable(FILE, "idx", t, new long[] {2}))
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining("tensor 'idx' has dtype " + t.dtype);
            assertThatThrownBy(() -> TensorDecoder.decode(FILE, "idx", ByteBuffer.allocate(16), t, new long[] {2}, new long[] {1}))
                    .isInstanceOf(WeightsFormatException.class);
        }
        assertThatThrownBy(() -> TensorDecoder.checkReadable(FILE, "w", ElementType.FLOAT32, new long[] {2, -1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("negative dimension");
    }
}
