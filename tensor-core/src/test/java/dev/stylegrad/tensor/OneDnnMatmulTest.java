package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's matmul path against libnd4j's in float64 (which never takes it), over ranks, transposes and batches. */
@org.junit.jupiter.api.Tag("kernels")
class OneDnnMatmulTest {
    @BeforeEach
    void needsOneDnn() {
        assumeTrue(OneDnn.UNAVAILABLE == null, () -> "oneDNN unavailable: " + OneDnn.UNAVAILABLE);
    }

    private static double relErr(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        return got.castTo(DataType.DOUBLE).sub(want).amaxNumber().doubleValue() / Math.max(want.amaxNumber().doubleValue(), 1e-30);
    }

    @Test
    void everyTransposeCombinationInRank2And3MatchesFloat64() {
        Nd4j.getRandom().setSeed(31);
        int checked = 0;
        for (int batch : new int[] {0, 1, 3}) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    long m = 7, k = 13, n = 5;
                    long[] aShape = ta ? new long[] {k, m} : new long[] {m, k};
                    long[] bShape = tb ? new long[] {n, k} : new long[] {k, n};
                    if (batch > 0) {
                        aShape = new long[] {batch, aShape[0], aShape[1]};
                        bShape = new long[] {batch, bShape[0], bShape[1]};
                    }
                    INDArray a = Nd4j.randn(DataType.DOUBLE, aShape), b = Nd4j.randn(DataType.DOUBLE, bShape);
                    INDArray want = Kernels.matmul(a, b, ta, tb);
                    INDArray af = a.castTo(DataType.FLOAT), bf = b.castTo(DataType.FLOAT);
                    assertThat(OneDnnMatmul.supports(af, bf)).isTrue();
                    assertThat(relErr(Kernels.matmul(af, bf, ta, tb), want)).as("batch " + batch + " ta " + ta + " tb " + tb)
                            .isLessThan(1e-5);
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(12);
    }

    @Test
    void gramAtVggWidthsMatchesFloat64() {
        Nd4j.getRandom().setSeed(32);
        for (int[] cm : new int[][] {{64, 4096}, {128, 1024}, {256, 256}, {512, 64}, {3, 5}}) {
            INDArray f = Nd4j.rand(DataType.DOUBLE, 2, cm[0], cm[1]);
            INDArray want = Kernels.gram(f);
            INDArray got = Kernels.gram(f.castTo(DataType.FLOAT));
            assertThat(relErr(got, want)).as(cm[0] + "x" + cm[1]).isLessThan(2e-6);
            assertThat(got).as("symmetric").isEqualTo(got.permute(0, 2, 1).dup('c'));
        }
    }

    @Test
    void viewsAndNonContiguousOperandsTakeTheGeneralPathWithTheSameResult() {
        Nd4j.getRandom().setSeed(33);
        INDArray big = Nd4j.randn(DataType.FLOAT, 6, 8);
        INDArray strided = big.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, 8));
        INDArray b = Nd4j.randn(DataType.FLOAT, 4, 3);
        assertThat(OneDnnMatmul.supports(strided, b)).isFalse();
        assertThat(relErr(Kernels.matmul(strided, b, false, false), strided.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE))))
                .isLessThan(1e-5);
    }
}
