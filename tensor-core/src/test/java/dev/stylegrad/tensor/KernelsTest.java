package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

class KernelsTest {
    @Test
    void inputGradientViaTransposedConvolutionEqualsLibnd4jBackward() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 12, 10);
        INDArray w = Nd4j.rand(DataType.FLOAT, 16, 8, 3, 3).subi(0.5);
        INDArray g = Nd4j.rand(DataType.FLOAT, 2, 16, 12, 10).subi(0.5);
        INDArray viaDeconv = Kernels.conv2dInputGradient(g, w, x.shape(), Conv2dSpec.SAME_3X3);
        INDArray gradIn = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        INDArray gradW = Nd4j.createUninitialized(DataType.FLOAT, w.shape());
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, g).addOutputs(gradIn, gradW)
                .addIntegerArguments(3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1).build());
        double maxRel = viaDeconv.sub(gradIn).amaxNumber().doubleValue() / gradIn.amaxNumber().doubleValue();
        assertThat(maxRel).isLessThan(1e-6);
        assertThat(Kernels.conv2dWeightGradient(x, w, g, Conv2dSpec.SAME_3X3).sub(gradW).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    @Test
    void gramIsSymmetricAndMatchesMmul() {
        INDArray f = Nd4j.rand(DataType.DOUBLE, 1, 6, 20);
        INDArray g = Kernels.gram(f);
        INDArray f2 = f.reshape(6, 20);
        assertThat(g.reshape(6, 6).sub(f2.mmul(f2.transpose())).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(g.reshape(6, 6).sub(g.reshape(6, 6).transpose()).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void gramMatchesTheGeneralProductInBothPrecisionsAndForBatchesAndViews() {
        for (org.nd4j.linalg.api.buffer.DataType t : new org.nd4j.linalg.api.buffer.DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray f = Nd4j.rand(t, 3, 300, 101).subi(0.5); // >= 256 channels: the syrk path
            INDArray want = Kernels.matmul(f, f, false, true);
            INDArray got = Kernels.gram(f);
            double tol = t == DataType.FLOAT ? 1e-5 : 1e-12;
            assertThat(got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue()).as(t.toString()).isLessThan(tol);
            // A non-contiguous input (every other feature row) is copied first, not misread.
            INDArray view = f.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1, 300),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray viewWant = Kernels.matmul(view.dup('c'), view.dup('c'), false, true);
            assertThat(Kernels.gram(view).sub(viewWant).amaxNumber().doubleValue() / viewWant.amaxNumber().doubleValue()).isLessThan(tol);
        }
    }

    @Test
    void badArgumentsNameTheOpAndShapes() {
        assertThatThrownBy(() -> Kernels.conv2d(Nd4j.zeros(DataType.FLOAT, 1, 3, 2, 2), Nd4j.zeros(DataType.FLOAT, 4, 3, 3, 3), null,
                Conv2dSpec.of(1, 0, 1))).hasMessageContaining("too small").hasMessageContaining("[1, 3, 2, 2]");
        assertThatThrownBy(() -> Kernels.conv2d(Nd4j.zeros(DataType.FLOAT, 1, 3, 5, 5), Nd4j.zeros(DataType.FLOAT, 4, 3, 3, 3),
                Nd4j.zeros(DataType.FLOAT, 3), Conv2dSpec.SAME_3X3)).hasMessageContaining("bias must have shape [4]");
        assertThatThrownBy(() -> Kernels.maxPool2d(Nd4j.zeros(DataType.FLOAT, 3, 5, 5), Pool2dSpec.VGG)).hasMessageContaining("rank 4");
        assertThatThrownBy(() -> new Conv2dSpec(0, 1, 0, 0, 1, 1)).hasMessageContaining("stride must be >= 1");
    }
}
