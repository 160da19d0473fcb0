package dev.stylegrad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every {@link GramKernels} variant matches F·Fᵀ computed in float64 to a relative error of 1e-4. */
class GramKernelsTest {
    // Rows not a multiple of the Java kernel's 64-row mirror block; columns not a multiple of its 128-column block.
    private static final int C = 68, M = 3000;
    private final float[] f = GramKernels.randomFeatures(C, M, 3);
    private final double[] ref = GramKernels.reference(f, C, M);

    @Test
    void libraryGramMatchesFloat64() {
        INDArray g = GramKernels.library(Nd4j.create(f, new long[] {1, C, M}, 'c'));
        assertThat(g.shape()).containsExactly(1, C, C);
        assertThat(GramKernels.maxRelError(g.reshape(C * C).toFloatVector(), ref)).isLessThan(1e-4);
    }

    @Test
    void nd4jGemmMatchesFloat64() {
        INDArray g = GramKernels.gemm(Nd4j.create(f, new long[] {1, C, M}, 'c'));
        assertThat(g.shape()).containsExactly(1, C, C);
        assertThat(GramKernels.maxRelError(g.reshape(C * C).toFloatVector(), ref)).isLessThan(1e-4);
    }

    @Test
    void syrkWithMirrorMatchesFloat64() {
        INDArray out = Nd4j.create(DataType.FLOAT, C, C);
        GramKernels.syrk(Nd4j.create(f, new long[] {C, M}, 'c'), out, true);
        assertThat(GramKernels.maxRelError(out.reshape(C * C).toFloatVector(), ref)).isLessThan(1e-4);
    }

    @Test
    void syrkWithoutMirrorFillsOnlyTheUpperTriangle() {
        INDArray out = Nd4j.create(DataType.FLOAT, C, C).assign(-1);
        GramKernels.syrk(Nd4j.create(f, new long[] {C, M}, 'c'), out, false);
        for (int i = 0; i < C; i++) {
            for (int j = 0; j < C; j++) {
                float v = out.getFloat(i, j);
                if (j >= i) assertThat(Math.abs(v - ref[i * C + j])).isLessThan(1e-4 * ref[0]);
                else assertThat(v).isEqualTo(-1f);
            }
        }
    }

    @Test
    void javaMatchesFloat64OnOneAndTwoThreads() {
        float[] out1 = new float[C * C];
        GramKernels.java(f, C, M, out1, null, 1);
        assertThat(GramKernels.maxRelError(out1, ref)).isLessThan(1e-4);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            float[] out2 = new float[C * C];
            GramKernels.java(f, C, M, out2, pool, 2);
            assertThat(out2).containsExactly(out1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void syrkRefusesViews() {
        INDArray big = Nd4j.create(f, new long[] {C, M}, 'c');
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 8), org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertThatThrownBy(() -> GramKernels.syrk(view, Nd4j.create(DataType.FLOAT, 4, 4), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("view");
    }

    @Test
    void referenceAndErrorMeasure() {
        float[] tiny = {1, 2, 3, 4, 5, 6};          // F = [[1,2,3],[4,5,6]]
        assertThat(GramKernels.reference(tiny, 2, 3)).containsExactly(14, 32, 32, 77);
        assertThat(GramKernels.maxRelError(new float[] {14, 32, 32, 77}, new double[] {14, 32, 32, 77})).isZero();
        assertThat(GramKernels.maxRelError(new float[] {14, 32, 32, 77 + 7.7f}, new double[] {14, 32, 32, 77})).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
    }
}
