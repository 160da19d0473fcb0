package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN's matmul path against libnd4j's in float64 (which never takes it), over ranks, transposes and batches. Every
 * test of the oneDNN path counts {@link OneDnnCalls#products()} to prove its products went through it.
 */
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
        long callsBefore = OneDnnCalls.products();
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
        assertThat(OneDnnCalls.products() - callsBefore).as("oneDNN products").isEqualTo(12);
    }

    @Test
    void gramAtVggWidthsMatchesFloat64() {
        Nd4j.getRandom().setSeed(32);
        for (int[] cm : new int[][] {{64, 4096}, {128, 1024}, {256, 256}, {512, 64}, {3, 5}}) {
            INDArray f = Nd4j.rand(DataType.DOUBLE, 2, cm[0], cm[1]);
            INDArray want = Kernels.gram(f);
            long callsBefore = OneDnnCalls.products();
            INDArray got = Kernels.gram(f.castTo(DataType.FLOAT));
            assertThat(OneDnnCalls.products() - callsBefore).as("oneDNN products").isEqualTo(1);
            assertThat(relErr(got, want)).as(cm[0] + "x" + cm[1]).isLessThan(2e-6);
            // No separate symmetry check: G[i][j] and G[j][i] are the same products, but oneDNN's kernel may sum them in
            // another order (AVX-512: identical here; AVX2: up to 4 ulps apart), so exact symmetry is not promised, and
            // the comparison with float64 above already holds both within 2e-6 of the largest entry.
        }
    }

    @Test
    void viewsAndNonContiguousOperandsTakeTheGeneralPathWithTheSameResult() {
        Nd4j.getRandom().setSeed(33);
        INDArray big = Nd4j.randn(DataType.FLOAT, 6, 8);
        INDArray strided = big.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, 8));
        INDArray b = Nd4j.randn(DataType.FLOAT, 4, 3);
        assertThat(OneDnnMatmul.supports(strided, b)).isFalse();
        long callsBefore = OneDnnCalls.products();
        INDArray got = Kernels.matmul(strided, b, false, false);
        assertThat(OneDnnCalls.products()).as("oneDNN products").isEqualTo(callsBefore);
        assertIdentical("the general path", got, Kernels.matmulLibnd4j(strided, b, false, false));
        assertThat(relErr(got, strided.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE)))).isLessThan(1e-5);
    }

    @Test
    void aShapeOneDnnCannotBuildFallsBackToLibnd4jAndSaysSoOnce() {
        // A shape no other test uses (plans are cached per JVM), refused through the test hook since oneDNN builds
        // every real one; the refusal goes through the same catch, memo and warning as a real one.
        Nd4j.getRandom().setSeed(34);
        INDArray a = Nd4j.randn(DataType.FLOAT, 11, 17), b = Nd4j.randn(DataType.FLOAT, 17, 19);
        OneDnnCalls.refuseProduct(11, 17, 19);
        long callsBefore = OneDnnCalls.products();
        String log = OneDnnConvolutionTest.capturingStandardError(() -> {
            for (int i = 0; i < 3; i++) {
                // libnd4j's op on the same arrays is what the fallback runs: the same values exactly.
                assertIdentical("fallback product, call " + (i + 1), Kernels.matmul(a, b, false, false),
                        Kernels.matmulLibnd4j(a, b, false, false));
            }
        });
        assertThat(OneDnnCalls.products()).as("oneDNN products").isEqualTo(callsBefore);
        assertThat(log.lines().filter(l -> l.contains("WARN") && l.contains("no oneDNN matmul for")).toList())
                .as("warnings in:%n%s", log).singleElement().asString()
                .contains("m=11, k=17, n=19").contains("using libnd4j's: refused by a test");
    }
}
