package dev.stylegrad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every {@link ConvKernels} alternative agrees with {@link Kernels#conv2d} and its input gradient on a small shape. */
class ConvKernelsTest {
    private static final long C = 5, O = 7, H = 9, W = 6;

    private final INDArray input = Nd4j.rand(DataType.FLOAT, 1, C, H, W).subi(0.5);
    private final INDArray weight = Nd4j.rand(DataType.FLOAT, O, C, 3, 3).subi(0.5);
    private final INDArray bias = Nd4j.rand(DataType.FLOAT, O).subi(0.5);
    private final INDArray gradOut = Nd4j.rand(DataType.FLOAT, 1, O, H, W).subi(0.5);

    static {
        Nd4j.getRandom().setSeed(7);
    }

    @Test
    void im2colGemmForwardMatchesConv2d() {
        INDArray expected = Kernels.conv2d(input, weight, bias, Conv2dSpec.SAME_3X3);
        assertClose(ConvKernels.forwardIm2col(input, weight, bias), expected);
    }

    @Test
    void nhwcForwardMatchesConv2d() {
        INDArray expected = Kernels.conv2d(input, weight, bias, Conv2dSpec.SAME_3X3);
        INDArray nhwc = ConvKernels.forwardNhwc(ConvKernels.toNhwc(input), ConvKernels.toHwio(weight), bias);
        assertThat(nhwc.shape()).containsExactly(1, H, W, O);
        assertClose(ConvKernels.toNchw(nhwc), expected);
    }

    @Test
    void libnd4jVariantsMatchTheLibrarysCachedOneDnnPath() {
        assertClose(ConvKernels.forwardLibnd4j(input, weight, bias), ConvKernels.forward(input, weight, bias));
        assertClose(ConvKernels.inputGradientDeconv2d(gradOut, weight, input.shape()),
                ConvKernels.inputGradient(gradOut, weight, input.shape()));
    }

    @Test
    void conv2dBpInputGradientMatchesTransposedConvolution() {
        INDArray viaDeconv = ConvKernels.inputGradient(gradOut, weight, input.shape());
        INDArray[] bp = ConvKernels.conv2dBp(input, weight, gradOut);
        assertClose(bp[0], viaDeconv);
        assertClose(bp[1], Kernels.conv2dWeightGradient(input, weight, gradOut, Conv2dSpec.SAME_3X3));
    }

    @Test
    void transposedConvolutionIsTheAdjointOfConv2d() {
        // <conv(x), g> = <x, conv_inputGrad(g)> for the bias-free convolution: checks deconv2d against conv2d itself.
        INDArray y = Kernels.conv2d(input, weight, null, Conv2dSpec.SAME_3X3);
        INDArray gx = ConvKernels.inputGradient(gradOut, weight, input.shape());
        double lhs = y.castTo(DataType.DOUBLE).mul(gradOut.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        double rhs = input.castTo(DataType.DOUBLE).mul(gx.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        assertThat(lhs).isCloseTo(rhs, org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(lhs))));
    }

    private static void assertClose(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double err = actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
        assertThat(err).as("max |actual - expected| / max |expected|").isLessThan(1e-5);
    }
}
