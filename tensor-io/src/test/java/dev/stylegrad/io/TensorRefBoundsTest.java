package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What a pickled tensor may claim about its storage ({@link TensorRef}), the element types' names in the three
 * formats ({@link ElementType}) and {@link TensorInfo}'s value semantics: each limit checked on both sides of its edge.
 */
class TensorRefBoundsTest {
    static final Path FILE = Path.of("weights.pth");

    static StorageRef storage(long length) {
        return new StorageRef("0", ElementType.FLOAT32, length, 0, length);
    }

    @Test
    void theLastElementMustLieInsideTheStorage() throws WeightsFormatException {
        // shape [2, 3], strides [3, 1], offset 4: the last element is 4 + 1·3 + 2·1 = 9, so 10 elements suffice.
        TensorRef r = TensorRef.of(FILE, "t", storage(10), 4, new long[] {2, 3}, new long[] {3, 1});
        assertThat(r.offset()).isEqualTo(4);
        assertThat(r.extent()).isEqualTo(10);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(9), 4, new long[] {2, 3}, new long[] {3, 1}))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("t: shape [2, 3], stride [3, 1] and offset 4 reach element 9, beyond its storage of 9 elements");
        // Transposed strides reach as far with the axes swapped.
        assertThat(TensorRef.of(FILE, "t", storage(6), 0, new long[] {3, 2}, new long[] {1, 3}).extent()).isEqualTo(6);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(5), 0, new long[] {3, 2}, new long[] {1, 3}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("reach element 5");
        // A scalar is one element at the offset.
        assertThat(TensorRef.of(FILE, "t", storage(8), 7, new long[0], new long[0]).extent()).isEqualTo(8);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(7), 7, new long[0], new long[0]))
                .isInstanceOf(WeightsFormatException.class);
    }

    @Test
    void emptyTensorsNeedNoStorage() throws WeightsFormatException {
        TensorRef r = TensorRef.of(FILE, "t", storage(0), 3, new long[] {4, 0, 2}, new long[] {100, 100, 100});
        assertThat(r.extent()).isEqualTo(3);
        assertThat(TensorRef.of(FILE, "t", storage(0), 0, new long[] {0}, new long[] {1}).extent()).isZero();
    }

    @Test
    void overflowingStridesAreRefusedNotWrapped() {
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), 0, new long[] {3}, new long[] {Long.MAX_VALUE / 2 + 1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("reach element " + Long.MAX_VALUE);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), Long.MAX_VALUE - 1, new long[] {3}, new long[] {1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("reach element " + Long.MAX_VALUE);
        assertThatThrownBy(() -> TensorRef.numel(FILE, "t", new long[] {1L << 32, 1L << 32}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("more than 2^63 elements");
    }

    @Test
    void shapeStrideRankAndSignsAreChecked() throws WeightsFormatException {
        long[] ones = new long[TensorRef.MAX_RANK];
        java.util.Arrays.fill(ones, 1);
        assertThat(TensorRef.of(FILE, "t", storage(1), 0, ones, ones).shape()).hasSize(32);
        long[] ones33 = new long[TensorRef.MAX_RANK + 1];
        java.util.Arrays.fill(ones33, 1);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(1), 0, ones33, ones33))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("rank 33 exceeds the maximum 32");
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), 0, new long[] {2, 2}, new long[] {1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("have different lengths");
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), -1, new long[] {2}, new long[] {1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("negative storage offset -1");
        assertThat(TensorRef.of(FILE, "t", storage(10), 0, new long[] {2}, new long[] {0}).extent()).isEqualTo(1);
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), 5, new long[] {2}, new long[] {-1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("negative stride in [-1]");
        assertThatThrownBy(() -> TensorRef.of(FILE, "t", storage(10), 0, new long[] {-2}, new long[] {1}))
                .isInstanceOf(WeightsFormatException.class).hasMessageContaining("negative dimension in shape [-2]");
        assertThat(TensorRef.numel(FILE, "t", new long[] {3, 0, 5})).isZero();
        assertThat(TensorRef.numel(FILE, "t", new long[] {3, 4, 5})).isEqualTo(60);
        assertThat(TensorRef.numel(FILE, "t", new long[0])).isEqualTo(1);
    }

    @Test
    void theFactoryCopiesShapeAndStride() throws WeightsFormatException {
        long[] shape = {2, 3}, stride = {3, 1};
        TensorRef r = TensorRef.of(FILE, "t", storage(6), 0, shape, stride);
        shape[0] = 99;
        stride[0] = 99;
        assertThat(r.shape()).containsExactly(2, 3);
        assertThat(r.stride()).containsExactly(3, 1);
    }

    @Test
    void elementTypesByTheirNamesInEachFormat() {
        String[][] table = {
            {"FLOAT32", "float32", "4", "FloatStorage", "F32", "true"},
            {"FLOAT64", "float64", "8", "DoubleStorage", "F64", "true"},
            {"FLOAT16", "float16", "2", "HalfStorage", "F16", "true"},
            {"BFLOAT16", "bfloat16", "2", "BFloat16Storage", "BF16", "true"},
            {"INT64", "int64", "8", "LongStorage", "I64", "false"},
            {"INT32", "int32", "4", "IntStorage", "I32", "false"},
            {"INT16", "int16", "2", "ShortStorage", "I16", "false"},
            {"INT8", "int8", "1", "CharStorage", "I8", "false"},
            {"UINT8", "uint8", "1", "ByteStorage", "U8", "false"},
            {"BOOL", "bool", "1", "BoolStorage", "BOOL", "false"}};
        for (String[] row : table) {
            ElementType t = ElementType.valueOf(row[0]);
            assertThat(t.dtype).isEqualTo(row[1]);
            assertThat(t.size).isEqualTo(Integer.parseInt(row[2]));
            assertThat(ElementType.ofTorchStorage(row[3])).isSameAs(t);
            assertThat(ElementType.ofSafetensors(row[4])).isSameAs(t);
            assertThat(t.floating).isEqualTo(Boolean.parseBoolean(row[5]));
        }
        assertThat(ElementType.ofTorchStorage("ComplexFloatStorage")).isNull();
        assertThat(ElementType.ofTorchStorage("F32")).isNull();
        assertThat(ElementType.ofSafetensors("C64")).isNull();
        assertThat(ElementType.ofSafetensors("float32")).isNull();
    }

    @Test
    void tensorInfoComparesShapesByValueAndStaysImmutable() {
        long[] shape = {64, 3, 3, 3};
        TensorInfo a = new TensorInfo("features.0.weight", "float32", shape);
        shape[0] = 1;
        assertThat(a.shape()).containsExactly(64, 3, 3, 3);
        a.shape()[1] = 7;
        assertThat(a.shape()).containsExactly(64, 3, 3, 3);
        assertThat(a.numel()).isEqualTo(1728);
        assertThat(new TensorInfo("s", "float16", new long[0]).numel()).isEqualTo(1);
        assertThat(new TensorInfo("e", "float16", new long[] {5, 0}).numel()).isZero();

        TensorInfo same = new TensorInfo("features.0.weight", "float32", new long[] {64, 3, 3, 3});
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(new TensorInfo("features.0.bias", "float32", new long[] {64, 3, 3, 3}));
        assertThat(a).isNotEqualTo(new TensorInfo("features.0.weight", "float64", new long[] {64, 3, 3, 3}));
        assertThat(a).isNotEqualTo(new TensorInfo("features.0.weight", "float32", new long[] {64, 3, 3, 1}));
        assertThat(a).isNotEqualTo("features.0.weight float32[64, 3, 3, 3]");
        assertThat(a.hashCode()).isNotEqualTo(new TensorInfo("features.0.weight", "float32", new long[] {64, 3, 3, 1}).hashCode());
        assertThat(a.toString()).isEqualTo("features.0.weight float32[64, 3, 3, 3]");
    }
}
