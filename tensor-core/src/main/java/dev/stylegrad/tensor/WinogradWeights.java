package dev.stylegrad.tensor;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Winograd F(2×2, 3×3) weight transforms {@code U = G g Gᵀ}, computed once per weight array and cached.
 *
 * <p>Why a cache: VGG's weights are frozen constants used by every step, and the transform of conv4/5 (512×512) is
 * 16 MB of scattered writes, a few ms per call. The cache is keyed by the array's identity (INDArray.equals compares
 * values) and holds it weakly, so a transform lives exactly as long as its weight array.
 *
 * <p>Assumption: a cached weight array is never modified in place. Stylegrad only runs Winograd for frozen weights of
 * the forward/input-gradient path, and nothing writes into them; code that does update weights in place must call
 * {@link #forget} afterwards.
 */
final class WinogradWeights {
    private WinogradWeights() {}

    private static final Map<IdentityKey, INDArray> CACHE = new HashMap<>();
    private static final ReferenceQueue<INDArray> CLEARED = new ReferenceQueue<>();

    /** U [16, O, C] for OIHW weights [O, C, 3, 3], position p = 4·i + j of the 4×4 transform; from the cache if present. */
    static synchronized INDArray of(INDArray weight) {
        expunge();
        INDArray u = CACHE.get(new IdentityKey(weight, null));
        if (u == null) {
            u = MemoryScope.outside(() -> transform(weight)); // long-lived: must not come from a step's pool
            CACHE.put(new IdentityKey(weight, CLEARED), u);
        }
        return u;
    }

    /** Drops the cached transform of {@code weight} (after modifying it in place). */
    static synchronized void forget(INDArray weight) {
        CACHE.remove(new IdentityKey(weight, null));
    }

    /** Whether a transform of {@code weight} is cached (for tests). */
    static synchronized boolean contains(INDArray weight) {
        return CACHE.containsKey(new IdentityKey(weight, null));
    }

    private static void expunge() {
        for (Object k; (k = CLEARED.poll()) != null; ) CACHE.remove(k);
    }

    /*
     * G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]. Gg is applied to the kernel's columns, then (Gg)Gᵀ to the rows,
     * in double (exact up to the final rounding for float32 weights: only halvings and three-term sums). Native memory
     * in and out, element by element: no heap copies, which would grow the Java heap (and the RSS) by 2-4x U at setup.
     */
    static INDArray transform(INDArray weight) {
        if (weight.rank() != 4 || weight.size(2) != 3 || weight.size(3) != 3) {
            throw new IllegalArgumentException("Winograd3x3: weights must be [O, C, 3, 3], but are " + Shapes.format(weight.shape()));
        }
        INDArray w = HostKernels.supports(weight) ? weight : weight.dup('c');
        if (!HostKernels.supports(w)) {
            throw new IllegalArgumentException("Winograd3x3: weights must be float32/float64 on the CPU backend, but are "
                    + w.dataType());
        }
        long o = w.size(0), c = w.size(1), plane = o * c;
        INDArray u = Nd4j.createUninitialized(w.dataType(), 16, o, c);
        boolean f = w.dataType() == DataType.FLOAT;
        long elt = f ? 4 : 8, src = HostKernels.address(w), dst = HostKernels.address(u);
        sun.misc.Unsafe mem = HostKernels.U;
        double[] g = new double[9], gg = new double[12];
        for (long k = 0; k < plane; k++) {
            for (int i = 0; i < 9; i++) g[i] = f ? mem.getFloat(src + (9 * k + i) * 4) : mem.getDouble(src + (9 * k + i) * 8);
            for (int s = 0; s < 3; s++) {
                double g0 = g[s], g1 = g[3 + s], g2 = g[6 + s];
                gg[s] = g0;
                gg[3 + s] = 0.5 * (g0 + g1 + g2);
                gg[6 + s] = 0.5 * (g0 - g1 + g2);
                gg[9 + s] = g2;
            }
            for (int i = 0; i < 4; i++) {
                double e0 = gg[3 * i], e1 = gg[3 * i + 1], e2 = gg[3 * i + 2];
                double[] row = {e0, 0.5 * (e0 + e1 + e2), 0.5 * (e0 - e1 + e2), e2};
                for (int j = 0; j < 4; j++) {
                    long at = dst + ((4 * i + j) * plane + k) * elt;
                    if (f) mem.putFloat(at, (float) row[j]);
                    else mem.putDouble(at, row[j]);
                }
            }
        }
        Reference.reachabilityFence(w);
        Reference.reachabilityFence(u);
        return u;
    }
}
