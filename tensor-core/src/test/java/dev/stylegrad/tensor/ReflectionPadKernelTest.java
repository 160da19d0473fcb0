package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link HostKernels#reflectionPad} against PyTorch's rule written out element by element: exactly equal. */
class ReflectionPadKernelTest {
    private static INDArray naive(INDArray x, int l, int r, int t, int b) {
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        INDArray out = Nd4j.create(x.dataType(), n, c, h + t + b, w + l + r);
        for (long i = 0; i < n; i++) for (long k = 0; k < c; k++) for (long y = 0; y < h + t + b; y++) for (long z = 0; z < w + l + r; z++) {
            long sy = Math.abs(y - t), sz = Math.abs(z - l);
            if (sy >= h) sy = 2 * (h - 1) - sy;
            if (sz >= w) sz = 2 * (w - 1) - sz;
            out.putScalar(new long[] {i, k, y, z}, x.getDouble(i, k, sy, sz));
        }
        return out;
    }

    @Test
    void equalsTheRuleExactlyForBothTypesAndOffsetViews() {
        Nd4j.getRandom().setSeed(5);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray whole = Nd4j.rand(type, 3, 4, 7, 9);
            INDArray view = whole.get(NDArrayIndex.interval(1, 3)); // a dense view at a nonzero offset
            for (int[] p : new int[][] {{1, 1, 1, 1}, {2, 0, 3, 1}, {0, 4, 0, 2}, {8, 8, 6, 6}}) {
                INDArray want = naive(view, p[0], p[1], p[2], p[3]);
                INDArray got = Kernels.reflectionPad2dOrNull(view, p[0], p[1], p[2], p[3]);
                assertThat(got).isNotNull();
                assertThat(got.sub(want).amaxNumber().doubleValue()).as(type + " pads " + java.util.Arrays.toString(p)).isZero();
            }
        }
    }

    @Test
    void padsAsWideAsTheSideAreRefused() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 1, 3, 3);
        assertThatThrownBy(() -> Kernels.reflectionPad2dOrNull(x, 3, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("smaller than the sides");
        assertThat(Kernels.reflectionPad2dOrNull(x.permute(0, 1, 3, 2), 1, 1, 1, 1)).as("not dense in c-order: the caller pads by other means").isNull();
    }
}
