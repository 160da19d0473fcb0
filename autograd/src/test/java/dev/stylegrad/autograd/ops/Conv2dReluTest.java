package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class Conv2dReluTest {
    @Test
    void valuesAndGradientsEqualTheComposition() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = random(120, 2, 3, 6, 5).castTo(type), w = random(121, 4, 3, 3, 3).castTo(type), b = random(122, 4).castTo(type);
            Tensor[] fused = {Tensor.parameter(x), Tensor.parameter(w), Tensor.parameter(b)};
            Tensor[] plain = {Tensor.parameter(x), Tensor.parameter(w), Tensor.parameter(b)};
            Tensor yFused = Ops.conv2dRelu(fused[0], fused[1], fused[2], Conv2dSpec.SAME_3X3);
            Tensor yPlain = Ops.relu(Ops.conv2d(plain[0], plain[1], plain[2], Conv2dSpec.SAME_3X3));
            // The same convolution kernel and the same max(0, ·), fused or not: identical values.
            assertIdentical(type + " values", yFused.value(), yPlain.value());
            assertThat(yFused.value().minNumber().doubleValue()).isZero(); // some outputs were clipped: the mask matters
            INDArray upstream = random(123, yFused.shape()).castTo(type);
            Ops.sum(Ops.mul(yFused, Tensor.constant(upstream))).backward();
            Ops.sum(Ops.mul(yPlain, Tensor.constant(upstream))).backward();
            for (int i = 0; i < 3; i++) assertIdentical(type + " gradient of input " + i, fused[i].grad(), plain[i].grad());
        }
    }

    @Test
    void gradient() {
        check("conv2dRelu 3x3 pad1", t -> Ops.conv2dRelu(t[0], t[1], t[2], Conv2dSpec.SAME_3X3),
                random(124, 2, 3, 5, 4), random(125, 4, 3, 3, 3), random(126, 4));
        check("conv2dRelu no bias, frozen weights", t -> Ops.conv2dRelu(t[0], t[1], null, Conv2dSpec.SAME_3X3),
                new boolean[] {true, false}, random(127, 1, 2, 6, 6), random(128, 3, 2, 3, 3));
    }

    @Test
    @org.junit.jupiter.api.Tag("kernels")
    void backwardHandsItsScratchAndSpentGradientsBackToTheScope() {
        final int LAYERS = 12;
        INDArray x = random(129, 1, 8, 16, 16).castTo(DataType.FLOAT), w = random(130, 8, 8, 3, 3).castTo(DataType.FLOAT);
        long activation = 8 * 16 * 16 * 4;
        // What one convolution call borrows besides its result, as oneDNN reports it for this CPU: its blocked copies
        // (8 channels stay 8 on AVX2 and are padded to 16 on AVX-512) and its scratchpad; 0 on libnd4j's path.
        long scratch = Math.max(Kernels.conv2dScratchBytes(x.shape(), w.shape(), Conv2dSpec.SAME_3X3, false),
                Kernels.conv2dScratchBytes(x.shape(), w.shape(), Conv2dSpec.SAME_3X3, true));
        System.out.printf("activation %d B, one call's scratch at most %d B (%s)%n", activation, scratch, Backend.current().report());
        try (MemoryScope scope = MemoryScope.open("conv2d-relu-test")) {
            Tensor image = Tensor.parameter(x);
            Tensor h = image;
            for (int i = 0; i < LAYERS; i++) h = Ops.conv2dRelu(h, Tensor.constant(w), null, Conv2dSpec.SAME_3X3);
            Tensor loss = Ops.sum(Ops.mul(h, h));
            long afterForward = scope.lentBytes();
            loss.backward();
            // Forward: the activations plus h*h. Backward holds at most two activation-sized gradients at a time (the
            // one flowing in and the one a convolution makes) plus one call's scratch, and leaves none of its
            // gradients lent (the leaf's accumulated gradient is a copy). A backward that kept its spent gradients
            // would lend one more activation per layer: the bound stays below that on every CPU, or the test says so.
            assertThat(afterForward).isEqualTo((LAYERS + 1) * activation);
            long bound = afterForward + 2 * activation + scratch;
            System.out.printf("peak lent %d B, bound %d B, a leaking backward would lend %d B%n", scope.peakLentBytes(), bound,
                    afterForward + LAYERS * activation);
            assertThat(bound).as("the bound can still catch a leak").isLessThan(afterForward + LAYERS * activation);
            assertThat(scope.peakLentBytes()).isLessThanOrEqualTo(bound);
            assertThat(scope.lentBytes()).isEqualTo(afterForward);
        }
        MemoryScope.destroy("conv2d-relu-test");
    }
}
