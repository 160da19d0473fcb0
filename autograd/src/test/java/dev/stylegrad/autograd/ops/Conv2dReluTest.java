package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Conv2dSpec;
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
            assertThat(yFused.value()).isEqualTo(yPlain.value());
            assertThat(yFused.value().minNumber().doubleValue()).isZero(); // some outputs were clipped: the mask matters
            INDArray upstream = random(123, yFused.shape()).castTo(type);
            Ops.sum(Ops.mul(yFused, Tensor.constant(upstream))).backward();
            Ops.sum(Ops.mul(yPlain, Tensor.constant(upstream))).backward();
            for (int i = 0; i < 3; i++) assertThat(fused[i].grad()).as(type + " input " + i).isEqualTo(plain[i].grad());
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
    void backwardHandsItsScratchAndSpentGradientsBackToTheScope() {
        // 8 channels, a multiple of oneDNN's channel blocking as VGG's widths are, so its blocked scratch copies
        // are activation-sized.
        INDArray x = random(129, 1, 8, 16, 16).castTo(DataType.FLOAT), w = random(130, 8, 8, 3, 3).castTo(DataType.FLOAT);
        try (MemoryScope scope = MemoryScope.open("conv2d-relu-test")) {
            Tensor image = Tensor.parameter(x);
            Tensor h = image;
            for (int i = 0; i < 6; i++) h = Ops.conv2dRelu(h, Tensor.constant(w), null, Conv2dSpec.SAME_3X3);
            Tensor loss = Ops.sum(Ops.mul(h, h));
            long afterForward = scope.lentBytes();
            loss.backward();
            long activation = 8 * 16 * 16 * 4;
            // Forward: six activations plus h*h. Backward adds at most a few activation-sized arrays at a time, and
            // leaves none of its gradients lent (the leaf's accumulated gradient is a copy).
            assertThat(afterForward).isEqualTo(7 * activation);
            // (Plus, on the oneDNN path, one weight-sized copy of the unfrozen weight in oneDNN's layout.)
            assertThat(scope.peakLentBytes()).isLessThanOrEqualTo(afterForward + 3 * activation + w.length() * 4);
            assertThat(scope.lentBytes()).isEqualTo(afterForward);
        }
        MemoryScope.destroy("conv2d-relu-test");
    }
}
