package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link ConvAlgorithm}: Winograd convolutions against float64 element by element, what runs under each choice, and
 * the refusal where oneDNN has no Winograd kernels (run with {@code DNNL_MAX_CPU_ISA=AVX2} to see it).
 */
@org.junit.jupiter.api.Tag("kernels")
class WinogradKernelsTest {
    private static final String UNAVAILABLE = ConvAlgorithm.WINOGRAD.unavailableReason();
    private static final ConvAlgorithm BEFORE = KernelConfig.convAlgorithm();

    @AfterEach
    void restore() {
        KernelConfig.setConvAlgorithm(BEFORE);
    }

    /**
     * Winograd F(4×4, 3×3) rounds in its transforms too, so its error against the exact sums is a few times direct
     * float32's; measured here up to about 1e-6 of Σ|a·b| (direct: about 1e-7). The bound, 2e-5 of Σ|a·b| at every
     * element, is twenty times that and far below anything a picture shows.
     */
    private static final double BOUND = 2e-5;

    private static double worstRelative(INDArray got, INDArray exact, INDArray scale) {
        INDArray err = Transforms.abs(got.castTo(DataType.DOUBLE).sub(exact), false);
        return err.div(scale.add(1e-300)).maxNumber().doubleValue();
    }

    @Test
    void winogradForwardAndInputGradientStayWithinTheirBoundOfFloat64AndReallyRun() {
        assumeTrue(UNAVAILABLE == null, () -> "no Winograd kernels here: " + UNAVAILABLE);
        Backend.setConvAlgorithm(ConvAlgorithm.WINOGRAD);
        Nd4j.getRandom().setSeed(29);
        // {in, out, height, width, pad}: VGG's first layer, a middle one, odd sizes, AdaIN's pre-padded (pad 0) form.
        for (int[] c : new int[][] {{3, 64, 24, 24, 1}, {64, 128, 16, 16, 1}, {17, 24, 9, 13, 1}, {32, 16, 19, 11, 0}}) {
            Conv2dSpec spec = Conv2dSpec.of(1, c[4], 1);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, c[0], c[2], c[3]);
            INDArray w = Nd4j.randn(DataType.DOUBLE, c[1], c[0], 3, 3);
            INDArray b = Nd4j.randn(DataType.DOUBLE, c[1]);
            long oh = spec.outH(c[2], 3), ow = spec.outW(c[3], 3);
            INDArray g = Nd4j.randn(DataType.DOUBLE, 1, c[1], oh, ow);
            INDArray xf = x.castTo(DataType.FLOAT), wf = w.castTo(DataType.FLOAT), bf = b.castTo(DataType.FLOAT), gf = g.castTo(DataType.FLOAT);
            Kernels.freezeConvolutionWeight(wf);
            String what = c[0] + "→" + c[1] + " at " + c[2] + "×" + c[3] + " pad " + c[4];

            assertThat(Kernels.conv2dRunsWinograd(x.shape(), w.shape(), spec, false)).as("Winograd forward for " + what).isTrue();
            assertThat(Kernels.conv2dRunsWinograd(x.shape(), w.shape(), spec, true)).as("Winograd input gradient for " + what).isTrue();
            INDArray absW = Transforms.abs(w, true);
            INDArray scale = Kernels.conv2d(Transforms.abs(x, true), absW, Transforms.abs(b, true), spec);
            long before = OneDnnCalls.convolutions();
            assertThat(worstRelative(Kernels.conv2dRelu(xf, wf, bf, spec), Transforms.relu(Kernels.conv2d(x, w, b, spec), false), scale))
                    .as("forward+relu " + what).isLessThanOrEqualTo(BOUND);
            INDArray gradScale = Kernels.conv2dInputGradient(Transforms.abs(g, true), absW, x.shape(), spec);
            assertThat(worstRelative(Kernels.conv2dInputGradient(gf, wf, x.shape(), spec), Kernels.conv2dInputGradient(g, w, x.shape(), spec), gradScale))
                    .as("input gradient " + what).isLessThanOrEqualTo(BOUND);
            assertThat(OneDnnCalls.convolutions() - before).as("oneDNN calls for " + what).isEqualTo(2);
        }
    }

    @Test
    void directNeverRunsWinogradAndNeitherDoUnfrozenForwardPassesOrOtherShapes() {
        long[] in = {1, 32, 20, 20}, w = {32, 32, 3, 3};
        Backend.setConvAlgorithm(ConvAlgorithm.DIRECT);
        assertThat(Kernels.conv2dRunsWinograd(in, w, Conv2dSpec.SAME_3X3, false)).isFalse();
        assertThat(Kernels.conv2dRunsWinograd(in, w, Conv2dSpec.SAME_3X3, true)).isFalse();
        assumeTrue(UNAVAILABLE == null, () -> "no Winograd kernels here: " + UNAVAILABLE);
        Backend.setConvAlgorithm(ConvAlgorithm.WINOGRAD);
        assertThat(Kernels.conv2dRunsWinograd(in, w, Conv2dSpec.of(2, 1, 1), false)).as("stride 2").isFalse();
        assertThat(Kernels.conv2dRunsWinograd(in, new long[] {32, 32, 1, 1}, Conv2dSpec.of(1, 0, 1), false)).as("1×1").isFalse();
        // An unfrozen weight (a network in training) keeps the direct forward kernel: Winograd's would transform it on
        // every call. Both give the same values to float32 rounding; the count of Winograd plans tells them apart.
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, in), weight = Nd4j.randn(DataType.FLOAT, w);
        INDArray direct = Kernels.conv2d(x, weight, null, Conv2dSpec.SAME_3X3);
        Kernels.freezeConvolutionWeight(weight);
        INDArray winograd = Kernels.conv2d(x, weight, null, Conv2dSpec.SAME_3X3);
        assertThat(ExactArrays.maxAbsDifference(direct, winograd)).as("unfrozen (direct) against frozen (Winograd)").isGreaterThan(0);
    }

    @Test
    void autoTakesWinogradForLayersOfAtLeast32ChannelsBothWaysAndDirectBelow() {
        Backend.setConvAlgorithm(ConvAlgorithm.AUTO);
        boolean available = UNAVAILABLE == null;
        long[][] cases = {{64, 64}, {32, 48}, {512, 256}, {3, 64}, {64, 3}, {31, 64}, {64, 31}, {12, 12}};
        for (long[] c : cases) {
            long[] in = {1, c[0], 20, 24}, w = {c[1], c[0], 3, 3};
            boolean expected = available && c[0] >= 32 && c[1] >= 32;
            assertThat(Kernels.conv2dRunsWinograd(in, w, Conv2dSpec.SAME_3X3, false)).as("auto, forward " + c[0] + "→" + c[1]).isEqualTo(expected);
            assertThat(Kernels.conv2dRunsWinograd(in, w, Conv2dSpec.SAME_3X3, true)).as("auto, input gradient " + c[0] + "→" + c[1]).isEqualTo(expected);
        }
    }

    @Test
    void winogradIsRefusedInOneSentenceWhereOneDnnHasNoWinogradKernels() {
        assertThat(ConvAlgorithm.parse(" Winograd ")).isEqualTo(ConvAlgorithm.WINOGRAD);
        assertThatThrownBy(() -> ConvAlgorithm.parse("fft")).hasMessage("unknown convolution algorithm 'fft': expected direct, winograd or auto");
        assertThat(ConvAlgorithm.DIRECT.unavailableReason()).isNull();
        assertThat(ConvAlgorithm.AUTO.unavailableReason()).isNull();
        assumeTrue(UNAVAILABLE != null, "this CPU has Winograd kernels; run with DNNL_MAX_CPU_ISA=AVX2 to see the refusal");
        assertThat(UNAVAILABLE).contains("AVX-512").doesNotContain("\n");
        assertThatThrownBy(() -> Backend.setConvAlgorithm(ConvAlgorithm.WINOGRAD)).isInstanceOf(UnsupportedOperationException.class).hasMessage(UNAVAILABLE);
        assertThat(KernelConfig.convAlgorithm()).isEqualTo(BEFORE);
    }
}
