package dev.stylegrad.autograd.ops;

import static dev.stylegrad.autograd.GradCheck.check;
import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stylegrad.autograd.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import dev.stylegrad.tensor.Conv2dSpec;

class Conv2dTest {
    /** Direct definition of PyTorch's conv2d (cross-correlation), to check the kernel against. */
    static INDArray naiveConv(INDArray x, INDArray w, INDArray b, Conv2dSpec s) {
        long n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        long o = w.size(0), kh = w.size(2), kw = w.size(3);
        long oh = s.outH(h, kh), ow = s.outW(wd, kw);
        INDArray out = Nd4j.zeros(x.dataType(), n, o, oh, ow);
        for (int ni = 0; ni < n; ni++)
            for (int oi = 0; oi < o; oi++)
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = b == null ? 0 : b.getDouble(oi);
                        for (int ci = 0; ci < c; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++) {
                                    long iy = (long) y * s.strideH() - s.padH() + (long) i * s.dilationH();
                                    long ix = (long) xx * s.strideW() - s.padW() + (long) j * s.dilationW();
                                    if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
                                    acc += x.getDouble(ni, ci, iy, ix) * w.getDouble(oi, ci, i, j);
                                }
                        out.putScalar(new long[] {ni, oi, y, xx}, acc);
                    }
        return out;
    }

    @Test
    void forwardMatchesDirectDefinition() {
        Conv2dSpec[] specs = {Conv2dSpec.SAME_3X3, new Conv2dSpec(2, 1, 0, 2, 1, 1), new Conv2dSpec(1, 2, 1, 0, 2, 1)};
        for (Conv2dSpec spec : specs) {
            INDArray x = random(100, 2, 3, 7, 6), w = random(101, 4, 3, 3, 2), b = random(102, 4);
            INDArray got = Ops.conv2d(Tensor.constant(x), Tensor.constant(w), Tensor.constant(b), spec).value();
            INDArray want = naiveConv(x, w, b, spec);
            assertThat(got.shape()).as(spec.toString()).containsExactly(want.shape());
            assertThat(got.sub(want).amaxNumber().doubleValue()).as(spec.toString()).isLessThan(1e-12);
        }
    }

    @Test
    void gradientInputWeightAndBias() {
        check("conv2d 3x3 pad1", t -> Ops.conv2d(t[0], t[1], t[2], Conv2dSpec.SAME_3X3), random(103, 2, 3, 5, 4), random(104, 4, 3, 3, 3), random(105, 4));
        check("conv2d stride2 dilation2 nonsquare", t -> Ops.conv2d(t[0], t[1], t[2], new Conv2dSpec(2, 1, 1, 2, 2, 1)),
                random(106, 3, 2, 9, 6), random(107, 3, 2, 3, 2), random(108, 3));
        // Stride 2 over 8 rows with a 3-row kernel leaves the last row unreached: the fallback path.
        check("conv2d stride2 unreached rows", t -> Ops.conv2d(t[0], t[1], null, new Conv2dSpec(2, 2, 0, 0, 1, 1)),
                random(109, 2, 2, 8, 8), random(110, 3, 2, 3, 3));
    }

    @Test
    void frozenWeightsGetNoGradientButInputDoes() {
        check("conv2d frozen weights", t -> Ops.conv2d(t[0], t[1], t[2], Conv2dSpec.SAME_3X3), new boolean[] {true, false, false},
                random(111, 1, 3, 6, 5), random(112, 2, 3, 3, 3), random(113, 2));
        check("conv2d shared input", t -> Ops.add(Ops.conv2d(t[0], t[1], null, Conv2dSpec.SAME_3X3), Ops.mul(t[0], 0.5)),
                random(114, 2, 3, 4, 5), random(115, 3, 3, 3, 3));
    }

    @Test
    void channelMismatchIsRejectedWithShapes() {
        assertThatThrownBy(() -> Ops.conv2d(Tensor.constant(random(1, 1, 3, 5, 5)), Tensor.constant(random(2, 4, 2, 3, 3)), null, Conv2dSpec.SAME_3X3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 channels").hasMessageContaining("[4, 2, 3, 3]");
    }
}
