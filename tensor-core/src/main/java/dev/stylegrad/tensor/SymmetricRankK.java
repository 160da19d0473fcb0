package dev.stylegrad.tensor;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code G = F·Fᵀ} through OpenBLAS's {@code ssyrk}/{@code dsyrk}, called directly on the arrays' memory: the same
 * OpenBLAS library nd4j-native loads. ND4J 1.0.0-M2.1's own {@code level3().syrk} cannot be used: it passes K = 1 to
 * BLAS and assumes column-major arrays (see benchmarks/GramKernels). CPU backend only.
 */
final class SymmetricRankK {
    private static final int ROW_MAJOR = 101, UPPER = 121, NO_TRANS = 111;
    private static final boolean AVAILABLE = probe();

    private SymmetricRankK() {}

    static boolean available() {
        return AVAILABLE;
    }

    private static boolean probe() {
        if (!Nd4j.getEnvironment().isCPU()) return false;
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false; // no OpenBLAS presets on the classpath: the general product is used instead
        }
    }

    /**
     * Writes F·Fᵀ of the row-major c×m matrix starting {@code fOffset} elements into {@code f} to the c×c block
     * starting {@code outOffset} elements into {@code out}. Both arrays are dense, C-ordered and not views.
     */
    static void gram(INDArray f, long fOffset, INDArray out, long outOffset, int c, int m, DType dtype) {
        if (dtype == DType.FLOAT32) {
            FloatPointer a = new FloatPointer(f.data().addressPointer()).position(fOffset);
            FloatPointer g = new FloatPointer(out.data().addressPointer()).position(outOffset);
            openblas_nolapack.cblas_ssyrk(ROW_MAJOR, UPPER, NO_TRANS, c, m, 1f, a, m, 0f, g, c);
            java.nio.FloatBuffer b = g.capacity(outOffset + (long) c * c).limit(outOffset + (long) c * c).asBuffer();
            mirror(c, (from, to) -> b.put(to, b.get(from)));
        } else {
            DoublePointer a = new DoublePointer(f.data().addressPointer()).position(fOffset);
            DoublePointer g = new DoublePointer(out.data().addressPointer()).position(outOffset);
            openblas_nolapack.cblas_dsyrk(ROW_MAJOR, UPPER, NO_TRANS, c, m, 1.0, a, m, 0.0, g, c);
            java.nio.DoubleBuffer b = g.capacity(outOffset + (long) c * c).limit(outOffset + (long) c * c).asBuffer();
            mirror(c, (from, to) -> b.put(to, b.get(from)));
        }
    }

    /** Copies element {@code from} to element {@code to} of one buffer. */
    @FunctionalInterface
    private interface ElementCopy {
        void copy(int from, int to);
    }

    /** Copies the upper triangle of a row-major c×c matrix into its lower triangle, in cache-sized blocks. */
    private static void mirror(int c, ElementCopy copy) {
        final int bs = 64;
        for (int ib = 0; ib < c; ib += bs) {
            for (int jb = 0; jb <= ib; jb += bs) {
                int iEnd = Math.min(ib + bs, c), jEnd = Math.min(jb + bs, c);
                for (int i = ib; i < iEnd; i++) {
                    for (int j = jb; j < Math.min(jEnd, i); j++) copy.copy(j * c + i, i * c + j);
                }
            }
        }
    }
}
