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
    void eachGramChoiceTakesItsProduct() {
        // Exactly the product each -Dstylegrad.gram value names, on both sides of the syrk threshold, in both
        // precisions; oneDNN products are counted where oneDNN runs (float32 here, unless it is turned off).
        assertThat(SymmetricRankK.available()).as("OpenBLAS syrk on the CPU backend").isTrue();
        Nd4j.getRandom().setSeed(41);
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int c : new int[] {Kernels.SYRK_MIN_CHANNELS + 44, 40}) {
                INDArray f = Nd4j.rand(t, 2, c, 97).subi(0.5);
                String what = t + " C=" + c;
                boolean oneDnn = OneDnnMatmul.supports(f, f), syrk = c >= Kernels.SYRK_MIN_CHANNELS;
                assertThat(oneDnn).as(what).isEqualTo(t == DataType.FLOAT && OneDnn.UNAVAILABLE == null);
                INDArray general = Kernels.matmul(f, f, false, true); // oneDNN's where it runs, else libnd4j's
                INDArray gemm = Kernels.matmulLibnd4j(f, f, false, true);
                INDArray bySyrk = syrk ? syrkGram(f) : null;
                if (syrk) {
                    double tol = t == DataType.FLOAT ? 1e-5 : 1e-12;
                    assertThat(bySyrk.sub(gemm).amaxNumber().doubleValue() / gemm.amaxNumber().doubleValue()).as(what).isLessThan(tol);
                }
                // syrk's and gemm's results may agree bit for bit (float64 here does), so the choice is checked too.
                assertThat(Kernels.gramBySyrk(f, KernelConfig.Gram.GEMM)).as(what + " gemm by syrk").isFalse();
                assertThat(Kernels.gramBySyrk(f, KernelConfig.Gram.ONEDNN)).as(what + " onednn by syrk").isFalse();
                assertThat(Kernels.gramBySyrk(f, KernelConfig.Gram.SYRK)).as(what + " syrk by syrk").isEqualTo(syrk);
                assertThat(Kernels.gramBySyrk(f, KernelConfig.Gram.AUTO)).as(what + " auto by syrk").isEqualTo(syrk && !oneDnn);
                checkGram(what + " gemm", f, KernelConfig.Gram.GEMM, gemm, 0);
                checkGram(what + " onednn", f, KernelConfig.Gram.ONEDNN, general, oneDnn ? 1 : 0);
                checkGram(what + " syrk", f, KernelConfig.Gram.SYRK, syrk ? bySyrk : general, !syrk && oneDnn ? 1 : 0);
                checkGram(what + " auto", f, KernelConfig.Gram.AUTO, oneDnn ? general : syrk ? bySyrk : gemm, oneDnn ? 1 : 0);
                ExactArrays.assertIdentical(what + " the switch's choice", Kernels.gram(f), Kernels.gram(f, KernelConfig.gram()));
            }
        }
    }

    private static void checkGram(String what, INDArray f, KernelConfig.Gram choice, INDArray want, int oneDnnProducts) {
        long before = OneDnnCalls.products();
        ExactArrays.assertIdentical(what, Kernels.gram(f, choice), want);
        assertThat(OneDnnCalls.products() - before).as(what + ": oneDNN products").isEqualTo(oneDnnProducts);
    }

    /** F·Fᵀ by OpenBLAS syrk directly, one batch entry at a time; f is dense c-order and not a view. */
    private static INDArray syrkGram(INDArray f) {
        long n = f.size(0), c = f.size(1), m = f.size(2);
        INDArray out = Nd4j.create(f.dataType(), n, c, c);
        for (long i = 0; i < n; i++) SymmetricRankK.gram(f, i * c * m, out, i * c * c, (int) c, (int) m, DType.of("test", "f", f));
        return out;
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
