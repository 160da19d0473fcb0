package dev.stylegrad.tensor;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A map key for things derived from one array object (reordered or transformed weights): a weak reference compared
 * by the array's identity, since INDArray's own equals compares values. A cleared key equals only itself, so it can
 * still be removed after its array is gone.
 */
final class IdentityKey extends WeakReference<INDArray> {
    private final int hash;

    /** A key for {@code array}, enqueued on {@code queue} (may be null, e.g. for a lookup) once the array is gone. */
    IdentityKey(INDArray array, ReferenceQueue<INDArray> queue) {
        super(array, queue);
        hash = System.identityHashCode(array);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        INDArray mine = get();
        return mine != null && other instanceof IdentityKey k && k.get() == mine;
    }
}
