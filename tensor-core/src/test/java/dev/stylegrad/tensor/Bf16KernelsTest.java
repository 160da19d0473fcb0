package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link Precision#BF16} kernels against float64, element by element, within the bound bfloat16 allows: rounding each
 * operand to 8 significant bits (round to nearest even) changes it by at most 2⁻⁹ of itself, so each product by at
 * most 2·2⁻⁹ + 2⁻¹⁸ of itself (the product of two bfloat16 values is exact in float32), and summing K products in
 * float32 adds at most K·2⁻²⁴ of the sum of their absolute values. Hence
 * {@code |bf16 − exact| ≤ (2⁻⁸ + 2⁻¹⁷ + K·2⁻²³)·Σ|a·b|}, with {@code Σ|a·b|} the same kernel run in float64 on |a|, |b|.
 * Each test also checks that the error is far above float32's (so bfloat16 really ran), and that the kernels refuse
 * BF16 clearly where the CPU has no bfloat16 instructions.
 */
@org.junit.jupiter.api.Tag("kernels")
class Bf16KernelsTest {
    private static final String UNAVAILABLE = Precision.BF16.unavailableReason();
    private static final ConvAlgorithm BEFORE = KernelConfig.convAlgorithm();

    /** Frozen float32 weights would take Winograd under auto; these tests compare them exactly with the direct kernels. */
    @org.junit.jupiter.api.BeforeEach
    void direct() {
        KernelConfig.setConvAlgorithm(ConvAlgorithm.DIRECT);
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        KernelConfig.setConvAlgorithm(BEFORE);
    }

    private static void needsBf16() {
        assumeTrue(UNAVAILABLE == null, () -> "no bfloat16 kernels here: " + UNAVAILABLE);
    }

    private static double bound(long k) {
        return Math.pow(2, -8) + Math.pow(2, -17) + k * Math.pow(2, -23);
    }

    /**
     * Checks |got − exact| ≤ bound(k)·scale everywhere and returns the largest |got − exact|/scale, which a float32
     * kernel keeps near 2⁻²⁴·√K and a bfloat16 one near 2⁻⁹/√K.
     */
    private static double checkWithinBound(String what, INDArray got, INDArray exact, INDArray scale, long k) {
        assertThat(got.dataType()).as(what + " result dtype").isEqualTo(DataType.FLOAT);
        assertThat(got.shape()).as(what + " shape").isEqualTo(exact.shape());
        INDArray err = Transforms.abs(got.castTo(DataType.DOUBLE).sub(exact), false);
        INDArray room = scale.mul(bound(k)).subi(err);
        assertThat(room.minNumber().doubleValue()).as(what + ": smallest room below the bf16 bound").isGreaterThanOrEqualTo(0);
        return err.div(scale.add(1e-300)).maxNumber().doubleValue();
    }

    @Test
    void convolutionForwardReluAndInputGradientStayWithinTheBf16BoundOfFloat64() {
        needsBf16();
        Nd4j.getRandom().setSeed(151);
        // {in channels, out channels, side}: VGG's first layer (3 channels), a middle one, odd sizes.
        for (int[] c : new int[][] {{3, 64, 24}, {64, 128, 16}, {17, 24, 9}}) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, c[0], c[2], c[2]);
            INDArray w = Nd4j.randn(DataType.DOUBLE, c[1], c[0], 3, 3);
            INDArray b = Nd4j.randn(DataType.DOUBLE, c[1]);
            INDArray g = Nd4j.randn(DataType.DOUBLE, 1, c[1], c[2], c[2]);
            Conv2dSpec spec = Conv2dSpec.SAME_3X3;
            INDArray xf = x.castTo(DataType.FLOAT), wf = w.castTo(DataType.FLOAT), bf = b.castTo(DataType.FLOAT);
            INDArray gf = g.castTo(DataType.FLOAT);
            long k = 9L * c[0];
            INDArray absX = Transforms.abs(x, true), absW = Transforms.abs(w, true);
            INDArray scale = Kernels.conv2d(absX, absW, Transforms.abs(b, true), spec);
            String what = c[0] + "→" + c[1] + " at " + c[2] + "²";

            long before = OneDnnCalls.convolutions();
            double worst = checkWithinBound("forward " + what, Kernels.conv2d(xf, wf, bf, spec, Precision.BF16),
                    Kernels.conv2d(x, w, b, spec), scale, k);
            assertThat(worst).as("forward " + what + ": largest relative error (bf16 must have run)").isGreaterThan(1e-5);
            // The fused ReLU clamps after the same sums: within the same bound of relu(exact).
            checkWithinBound("forward+relu " + what, Kernels.conv2dRelu(xf, wf, bf, spec, Precision.BF16),
                    Transforms.relu(Kernels.conv2d(x, w, b, spec), false), scale, k);

            long kBack = 9L * c[1];
            INDArray gradScale = Kernels.conv2dInputGradient(Transforms.abs(g, true), absW, x.shape(), spec);
            worst = checkWithinBound("input gradient " + what, Kernels.conv2dInputGradient(gf, wf, x.shape(), spec, Precision.BF16),
                    Kernels.conv2dInputGradient(g, w, x.shape(), spec), gradScale, kBack);
            assertThat(worst).as("input gradient " + what + ": largest relative error").isGreaterThan(1e-5);
            assertThat(OneDnnCalls.convolutions() - before).as("oneDNN calls for " + what).isEqualTo(3);
        }
    }

    @Test
    void gramAndItsBackwardStayWithinTheBf16BoundOfFloat64() {
        needsBf16();
        Nd4j.getRandom().setSeed(152);
        for (int[] c : new int[][] {{64, 24, 24}, {128, 7, 9}}) {
            long m = (long) c[1] * c[2];
            INDArray f = Transforms.relu(Nd4j.randn(DataType.DOUBLE, 1, c[0], m), false); // post-ReLU features, as VGG's
            INDArray ff = f.castTo(DataType.FLOAT);
            long before = OneDnnCalls.products();
            double worst = checkWithinBound("gram " + c[0] + "×" + m, Kernels.gram(ff, Precision.BF16),
                    Kernels.gram(f), Kernels.gram(f), m); // f ≥ 0, so Σ|f·f| is the Gram matrix itself
            assertThat(worst).as("gram: largest relative error").isGreaterThan(1e-5);
            assertThat(OneDnnCalls.products() - before).as("oneDNN matmul calls").isEqualTo(1);

            INDArray mix = Nd4j.randn(DataType.DOUBLE, 1, c[0], c[0]);
            INDArray features = f.reshape('c', 1, c[0], c[1], c[2]);
            INDArray scale = Kernels.mixChannels(Transforms.abs(mix, true), features);
            worst = checkWithinBound("gram backward (mix channels) " + c[0], Kernels.mixChannels(mix.castTo(DataType.FLOAT),
                    features.castTo(DataType.FLOAT), Precision.BF16), Kernels.mixChannels(mix, features), scale, c[0]);
            assertThat(worst).as("mix channels: largest relative error").isGreaterThan(1e-5);
        }
    }

    @Test
    void frozenWeightsKeepOneCopyPerPrecisionAndGiveTheUnfrozenResults() {
        needsBf16();
        Nd4j.getRandom().setSeed(153);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 32, 14, 14);
        INDArray w = Nd4j.randn(DataType.FLOAT, 48, 32, 3, 3);
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, 48, 14, 14);
        INDArray fp32 = Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3);
        INDArray bf16 = Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3, Precision.BF16);
        INDArray bf16Grad = Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3, Precision.BF16);
        Kernels.freezeConvolutionWeight(w);
        // Alternating: a copy kept for one precision must never be handed to the other.
        for (int i = 0; i < 2; i++) {
            assertIdentical("frozen bf16, call " + i, Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3, Precision.BF16), bf16);
            assertIdentical("frozen fp32, call " + i, Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3), fp32);
            assertIdentical("frozen bf16 input gradient, call " + i,
                    Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3, Precision.BF16), bf16Grad);
        }
        assertThat(bf16.sub(fp32).amaxNumber().doubleValue()).as("bf16 differs from fp32").isGreaterThan(0);
    }

    @Test
    void bf16RefusesFloat64ArraysWhereItRuns() {
        needsBf16();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 4, 5, 5), w = Nd4j.randn(DataType.DOUBLE, 6, 4, 3, 3);
        assertThatThrownBy(() -> Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3, Precision.BF16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("float32").hasMessageContaining("bf16");
    }

    @Test
    void withoutBf16InstructionsEveryBf16KernelSaysWhyAndNoneFallsBack() {
        assumeTrue(UNAVAILABLE != null, "this CPU has bfloat16 kernels (run with DNNL_MAX_CPU_ISA=AVX2 to test this)");
        assertThat(UNAVAILABLE).contains("bf16");
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 4, 5, 5), w = Nd4j.randn(DataType.FLOAT, 6, 4, 3, 3);
        INDArray f = Nd4j.randn(DataType.FLOAT, 1, 4, 25), g = Nd4j.randn(DataType.FLOAT, 1, 6, 5, 5);
        for (Supplier<INDArray> call : java.util.List.<Supplier<INDArray>>of(
                () -> Kernels.conv2d(x, w, null, Conv2dSpec.SAME_3X3, Precision.BF16),
                () -> Kernels.conv2dRelu(x, w, null, Conv2dSpec.SAME_3X3, Precision.BF16),
                () -> Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3, Precision.BF16),
                () -> Kernels.gram(f, Precision.BF16),
                () -> Kernels.mixChannels(Nd4j.randn(DataType.FLOAT, 1, 4, 4), x, Precision.BF16))) {
            assertThatThrownBy(call::get).isInstanceOf(UnsupportedOperationException.class).hasMessage(UNAVAILABLE);
        }
        assertThatThrownBy(Precision.BF16::requireAvailable).isInstanceOf(UnsupportedOperationException.class).hasMessage(UNAVAILABLE);
        Precision.FP32.requireAvailable();
    }

    @Test
    void precisionsParseFromTheirCommandLineNames() {
        assertThat(Precision.parse("bf16")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse(" FP32")).isEqualTo(Precision.FP32);
        assertThatThrownBy(() -> Precision.parse("fp16")).hasMessageContaining("fp16").hasMessageContaining("fp32 or bf16");
    }
}
