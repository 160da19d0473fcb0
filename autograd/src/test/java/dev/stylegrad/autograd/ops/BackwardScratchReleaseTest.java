package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ops that make scratch arrays for their backward (mse's difference, gram's symmetrized gradient, conv+ReLU's masked
 * gradient) hand them back to the memory scope as soon as they are used, and backward hands back every gradient it
 * made: after backward, a scope holds exactly the forward pass's arrays again, and a second step in the same scope
 * needs no memory beyond the first's.
 */
class BackwardScratchReleaseTest {
    /** Bytes lent by the scope after the forward pass, after backward, and its peak over two steps vs over one. */
    static long[] measure(String name, Function<Tensor, Tensor> loss, INDArray x0) {
        long afterForward, afterBackward, peakOne, peakTwo;
        try (MemoryScope scope = MemoryScope.open(name)) {
            Tensor x = Tensor.parameter(x0);
            Tensor y = loss.apply(x);
            afterForward = scope.lentBytes();
            y.backward();
            afterBackward = scope.lentBytes();
            assertThat(x.grad()).isNotNull();
            peakOne = scope.peakLentBytes();
        }
        try (MemoryScope scope = MemoryScope.open(name)) {
            Tensor x = Tensor.parameter(x0);
            loss.apply(x).backward();
            peakTwo = scope.peakLentBytes();
        }
        MemoryScope.destroy(name);
        return new long[] {afterForward, afterBackward, peakOne, peakTwo};
    }

    static void assertReleased(String name, Function<Tensor, Tensor> loss, INDArray x0, long scratchBytes) {
        long[] m = measure(name, loss, x0);
        assertThat(m[1]).as(name + ": lent after backward = lent after forward minus its saved scratch")
                .isEqualTo(m[0] - scratchBytes);
        assertThat(m[3]).as(name + ": a second step reuses the first one's buffers").isEqualTo(m[2]);
    }

    @Test
    void mseReleasesItsDifference() {
        INDArray target = random(2, 4, 6, 5);
        // The difference (4·6·5 doubles) is the only array mse's forward keeps for backward.
        assertReleased("mse-release", x -> Ops.mse(x, Tensor.constant(target)), random(1, 4, 6, 5), 4 * 6 * 5 * 8);
    }

    @Test
    void gramReleasesItsSymmetrizedGradient() {
        // Forward keeps the Gram matrix (an output, still lent); backward's (dG + dGᵀ) and dF are handed back.
        INDArray target = random(4, 1, 3, 3);
        assertReleased("gram-release", x -> Ops.mse(Ops.gram(x), Tensor.constant(target)), random(3, 1, 3, 4, 5), 3 * 3 * 8);
    }

    @Test
    void conv2dReluReleasesItsMaskedGradient() {
        INDArray w = random(6, 4, 2, 3, 3);
        INDArray target = random(7, 1, 4, 5, 5);
        // conv+ReLU's output stays lent (mse's input); mse's difference goes.
        assertReleased("conv-release", x -> Ops.mse(Ops.conv2dRelu(x, Tensor.constant(w), null, Conv2dSpec.SAME_3X3), Tensor.constant(target)),
                random(5, 1, 2, 5, 5), 4 * 5 * 5 * 8);
        // With the gradient shared (add hands the same array to both inputs) the mask goes into a scratch array,
        // which must be handed back too.
        assertReleased("conv-shared-release", x -> {
            Tensor c = Ops.conv2dRelu(x, Tensor.constant(w), null, Conv2dSpec.SAME_3X3);
            return Ops.mse(Ops.add(c, c), Tensor.constant(target));
        }, random(5, 1, 2, 5, 5), 4 * 5 * 5 * 8);
        // Shared with another tensor's gradient (add hands one array to two inputs), the incoming gradient must not be
        // masked in place: the mask goes into a scratch array, handed back at once, and the shared gradient is handed
        // back after its last reader ran.
        assertReleased("conv-scratch-release", x -> {
            Tensor other = Ops.concat(1, x, x); // made before the convolution, so its backward runs after it
            Tensor c = Ops.conv2dRelu(x, Tensor.constant(w), null, Conv2dSpec.SAME_3X3);
            return Ops.mse(Ops.add(c, other), Tensor.constant(target));
        }, random(5, 1, 2, 5, 5), 4 * 5 * 5 * 8);
    }
}
