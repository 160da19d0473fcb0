package dev.stylegrad.autograd.layers;

import dev.stylegrad.autograd.Tensor;

/**
 * One step of a network: a tensor in, a tensor out, recorded on the tape as its ops are.
 *
 * <p>A layer must not keep its input or intermediates for later calls, and any op it records must lead to its
 * output (the tape hangs off the output: a layer whose output needs no gradient is taken to have recorded nothing).
 */
@FunctionalInterface
public interface Layer {
    /** The layer applied to {@code x}. */
    Tensor forward(Tensor x);
}
