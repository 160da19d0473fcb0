package dev.stylegrad.autograd.layers;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.MemoryScope;
import java.util.Collection;

/**
 * The release rule of this package (see its description): when an intermediate's memory may go back early. Public for
 * networks that run their layers in their own loop (the AdaIN networks), so that one rule decides everywhere.
 */
public final class Intermediates {
    private Intermediates() {}

    /**
     * Hands {@code used}'s memory back to the open memory scope if nothing can read it any more. {@code result} is
     * what the layer that read it returned; {@code input} is the caller's input and {@code kept} the outputs the
     * caller keeps, none of which may be released, nor anything sharing their memory (a layer may return a view).
     */
    public static void releaseAfterLastUse(Tensor used, Tensor result, Tensor input, Collection<Tensor> kept) {
        // A recorded layer may have saved `used` for its backward even when `used` itself needs no gradient (a
        // constant picture padded before a convolution with trainable weights), so both ends must be off the tape.
        if (used.requiresGrad() || result.requiresGrad()) return;
        Object storage = MemoryScope.storage(used.value());
        if (storage == MemoryScope.storage(input.value()) || storage == MemoryScope.storage(result.value())) return;
        for (Tensor k : kept) if (storage == MemoryScope.storage(k.value())) return;
        MemoryScope.release(used.value());
    }
}
