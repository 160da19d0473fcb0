package dev.stylegrad.autograd.layers;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import java.util.List;

/**
 * {@code block(x) + x}. The block's output is released once the sum is made (unless a tape may read it); {@code x}
 * is the caller's, released by the enclosing {@link Sequential} after this layer as any intermediate is.
 */
public final class Residual implements Layer {
    private final Layer block;

    private Residual(Layer block) {
        this.block = block;
    }

    /** A residual connection around these layers, run in order ({@link Sequential#of}). */
    public static Residual of(Layer... block) {
        return new Residual(Sequential.of(block));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor branch = block.forward(x);
        Tensor sum = Ops.add(branch, x);
        Intermediates.releaseAfterLastUse(branch, sum, x, List.of());
        return sum;
    }
}
