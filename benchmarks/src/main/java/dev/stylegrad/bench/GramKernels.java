package dev.stylegrad.bench;

import dev.stylegrad.tensor.Kernels;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Three ways to compute a Gram matrix {@code G = F·Fᵀ} of a feature map F [c, m] (row-major float32), for
 * {@link GramBenchmark} and {@link GramCheck}, plus a float64 reference.
 *
 * <ul>
 *   <li>{@link #gemm}: what the library does today, {@link Kernels#gram} (libnd4j's {@code matmul} op, a full GEMM
 *       with the second operand transposed).</li>
 *   <li>{@link #syrk}: OpenBLAS {@code cblas_ssyrk}, which computes only the upper triangle (half the multiply-adds),
 *       then mirrors it. ND4J 1.0.0-M2.1 has {@code Nd4j.getBlasWrapper().level3().syrk(...)}, but its
 *       {@code BaseLevel3.syrk} passes K = 1 to BLAS (a rank-1 update, not F·Fᵀ) and its CPU backend always calls
 *       column-major BLAS, so it cannot be used; this calls the OpenBLAS presets (the same library nd4j-native loads)
 *       on the arrays' off-heap memory directly.</li>
 *   <li>{@link #java}: plain Java on {@code float[]}, blocked over m, four rows at a time, upper triangle only,
 *       threads over row tiles.</li>
 * </ul>
 */
public final class GramKernels {
    private GramKernels() {}

    private static final int CBLAS_ROW_MAJOR = 101, CBLAS_UPPER = 121, CBLAS_NO_TRANS = 111;

    /**
     * What the library does, {@link Kernels#gram} on F viewed as [1, c, m]: on CPU float32, oneDNN's matmul with the
     * second operand described transposed (a full GEMM, no copy); a new [1, c, c] array.
     */
    public static INDArray library(INDArray f3) {
        return Kernels.gram(f3);
    }

    /** The general product F·Fᵀ by libnd4j's matmul op (OpenBLAS sgemm): what the library did before oneDNN's matmul. */
    public static INDArray gemm(INDArray f3) {
        return Kernels.matmulLibnd4j(f3, f3, false, true);
    }

    /**
     * {@code out = F·Fᵀ} by {@code cblas_ssyrk} (upper triangle) and, if {@code mirror}, a copy of the upper triangle
     * into the lower. {@code f} is [c, m] and {@code out} [c, c], both float32, C-order, contiguous, not views.
     */
    public static void syrk(INDArray f, INDArray out, boolean mirror) {
        requireDense(f, "f");
        requireDense(out, "out");
        int c = (int) f.size(0), m = (int) f.size(1);
        if (out.size(0) != c || out.size(1) != c) {
            throw new IllegalArgumentException("syrk: out must be [" + c + ", " + c + "], got " + java.util.Arrays.toString(out.shape()));
        }
        FloatPointer a = (FloatPointer) f.data().addressPointer();
        FloatPointer g = (FloatPointer) out.data().addressPointer();
        openblas_nolapack.cblas_ssyrk(CBLAS_ROW_MAJOR, CBLAS_UPPER, CBLAS_NO_TRANS, c, m, 1f, a, m, 0f, g, c);
        if (mirror) mirrorUpper(g, c);
    }

    /** Copies the upper triangle of the row-major c×c matrix at {@code g} into its lower triangle, in cache blocks. */
    static void mirrorUpper(FloatPointer g, int c) {
        FloatPointer p = new FloatPointer(g);
        p.position(0).capacity((long) c * c).limit((long) c * c);
        FloatBuffer b = p.asBuffer();
        final int bs = 64;
        for (int ib = 0; ib < c; ib += bs) {
            for (int jb = 0; jb <= ib; jb += bs) {
                int iEnd = Math.min(ib + bs, c), jEnd = Math.min(jb + bs, c);
                for (int i = ib; i < iEnd; i++) {
                    int row = i * c;
                    for (int j = jb; j < Math.min(jEnd, i); j++) b.put(row + j, b.get(j * c + i));
                }
            }
        }
    }

    private static void requireDense(INDArray a, String name) {
        if (a.dataType() != DataType.FLOAT || a.rank() != 2 || a.ordering() != 'c' || a.isView() || a.offset() != 0) {
            throw new IllegalArgumentException("syrk: " + name + " must be a rank-2, C-order, float32 array that is not a view, got "
                    + a.shapeInfoToString().replace('\n', ' '));
        }
    }

    // ------------------------------------------------------------------------------------------------ plain Java

    private static final int KC = 128; // columns of F per block; the transposed block (KC × c floats) stays in L2

    /**
     * {@code out = F·Fᵀ} for row-major {@code f} [c, m] into row-major {@code out} [c, c], with the row tiles shared
     * among {@code threads} tasks on {@code pool} (null or 1 thread: the calling thread). c must be a multiple of 4.
     *
     * <p>Per block of {@value #KC} columns, the block is transposed so that four rows of G at a time are updated by
     * {@code g_r[j] += F[i+r][k]·Fᵀ[k][j]} over j ≥ i, a loop HotSpot's C2 vectorizes (AVX2: 8 floats). Partial sums
     * are float within a block and added up in double across blocks.
     */
    public static void java(float[] f, int c, int m, float[] out, ExecutorService pool, int threads) {
        if (c % 4 != 0) throw new IllegalArgumentException("java gram: rows must be a multiple of 4, got " + c);
        if (f.length < (long) c * m || out.length < (long) c * c) throw new IllegalArgumentException("java gram: arrays too small");
        int tiles = c / 4;
        if (pool == null || threads <= 1) {
            javaTiles(f, c, m, out, 0, 1, tiles);
        } else {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(pool.submit(() -> javaTiles(f, c, m, out, first, threads, tiles)));
            }
            try {
                for (Future<?> p : parts) p.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("java gram interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("java gram failed", e.getCause());
            }
        }
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) out[i * c + j] = out[j * c + i];
    }

    /** Row tiles first, first+stride, … (4 rows each): their part of the upper triangle, written into out. */
    private static void javaTiles(float[] f, int c, int m, float[] out, int first, int stride, int tiles) {
        float[] ft = new float[KC * c];
        double[] acc = new double[c * c];
        float[] g0 = new float[c], g1 = new float[c], g2 = new float[c], g3 = new float[c];
        for (int k0 = 0; k0 < m; k0 += KC) {
            int kb = Math.min(m, k0 + KC) - k0;
            for (int j = 0; j < c; j++) {
                int src = j * m + k0;
                for (int kk = 0; kk < kb; kk++) ft[kk * c + j] = f[src + kk];
            }
            for (int it = first; it < tiles; it += stride) {
                int i = it * 4;
                java.util.Arrays.fill(g0, i, c, 0f);
                java.util.Arrays.fill(g1, i, c, 0f);
                java.util.Arrays.fill(g2, i, c, 0f);
                java.util.Arrays.fill(g3, i, c, 0f);
                int r0 = i * m + k0, r1 = r0 + m, r2 = r1 + m, r3 = r2 + m;
                for (int kk = 0; kk < kb; kk++) {
                    float a0 = f[r0 + kk], a1 = f[r1 + kk], a2 = f[r2 + kk], a3 = f[r3 + kk];
                    int t = kk * c;
                    for (int j = i; j < c; j++) {
                        float b = ft[t + j];
                        g0[j] += a0 * b;
                        g1[j] += a1 * b;
                        g2[j] += a2 * b;
                        g3[j] += a3 * b;
                    }
                }
                int o0 = i * c, o1 = o0 + c, o2 = o1 + c, o3 = o2 + c;
                for (int j = i; j < c; j++) {
                    acc[o0 + j] += g0[j];
                    acc[o1 + j] += g1[j];
                    acc[o2 + j] += g2[j];
                    acc[o3 + j] += g3[j];
                }
            }
        }
        for (int it = first; it < tiles; it += stride) {
            for (int i = it * 4; i < it * 4 + 4; i++) {
                for (int j = i; j < c; j++) out[i * c + j] = (float) acc[i * c + j];
            }
        }
    }

    // ------------------------------------------------------------------------------------------- reference, error

    /** {@code F·Fᵀ} in float64 (symmetric, computed on the upper triangle), row-major [c, c], threads over rows. */
    public static double[] reference(float[] f, int c, int m) {
        double[] g = new double[c * c];
        java.util.stream.IntStream.range(0, c).parallel().forEach(i -> {
            for (int j = i; j < c; j++) {
                double s = 0;
                int a = i * m, b = j * m;
                for (int k = 0; k < m; k++) s += (double) f[a + k] * f[b + k];
                g[i * c + j] = s;
            }
        });
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) g[i * c + j] = g[j * c + i];
        return g;
    }

    /**
     * Error of {@code g} against the float64 reference: {@code max|g − ref| / max|ref|} (relative to the largest
     * entry, so near-zero off-diagonal entries do not dominate).
     */
    public static double maxRelError(float[] g, double[] ref) {
        if (g.length < ref.length) throw new IllegalArgumentException("result has " + g.length + " entries, reference " + ref.length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(g[i])) return Double.POSITIVE_INFINITY;
            maxDiff = Math.max(maxDiff, Math.abs(g[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    /**
     * ReLU-like features: max(0, N(0, 1)) with a fixed seed, so about half the entries are zero as in VGG's
     * activations, and no entry is denormal.
     */
    public static float[] randomFeatures(int c, int m, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] f = new float[c * m];
        for (int i = 0; i < f.length; i++) {
            double g = gaussian(r);
            f[i] = g > 0 ? (float) g : 0f;
        }
        return f;
    }

    private static double gaussian(java.util.SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
    }
}
