package dev.stylegrad.autograd;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.ops.Ops;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GradCheckTest {
    /** x ↦ x², with a backward that is wrong by 1% at one element: the check must notice. */
    static final class SlightlyWrongSquare extends Function {
        @Override
        protected INDArray forward(Context ctx, INDArray... in) {
            ctx.saveForBackward(in[0]);
            return in[0].mul(in[0]);
        }

        @Override
        protected INDArray[] backward(Context ctx, INDArray g) {
            INDArray grad = g.mul(ctx.saved(0)).muli(2);
            grad.putScalar(new long[] {1, 2}, grad.getDouble(1, 2) * 1.01);
            return new INDArray[] {grad};
        }
    }

    @Test
    void catchesAWrongGradientAndNamesTheElement() {
        assertThatThrownBy(() -> GradCheck.check("wrong square", t -> new SlightlyWrongSquare().call(t[0]), random(1, 3, 4)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("input 0 [1, 2]");
    }

    @Test
    void passesACorrectGradient() {
        GradCheck.Report r = GradCheck.check("square", t -> Ops.square(t[0]), random(1, 3, 4));
        assertThat(r.passed()).isTrue();
        assertThat(r.elements()).isEqualTo(12);
        assertThat(r.worstAbsError()).isLessThan(1e-8);
    }

    @Test
    void refusesFloat32Inputs() {
        assertThatThrownBy(() -> GradCheck.check("f32", t -> Ops.square(t[0]), random(1, 2).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)))
                .hasMessageContaining("float64");
    }
}
