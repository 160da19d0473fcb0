package dev.stylegrad.autograd;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.ops.Ops;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TensorTest {
    /** x ↦ 3x, counting how often its backward runs. */
    static final class Triple extends Function {
        static final AtomicInteger BACKWARDS = new AtomicInteger();

        @Override
        protected INDArray forward(Context ctx, INDArray... in) {
            return in[0].mul(3);
        }

        @Override
        protected INDArray[] backward(Context ctx, INDArray g) {
            BACKWARDS.incrementAndGet();
            return new INDArray[] {g.mul(3)};
        }
    }

    @Test
    void gradientsAccumulateOverPathsAndAcrossBackwardCalls() {
        Tensor x = Tensor.parameter(Nd4j.create(new double[] {1, 2}, new long[] {2}, 'c'));
        // y = sum(x*x + x): dy/dx = 2x + 1; x is used by two branches.
        Ops.sum(Ops.add(Ops.mul(x, x), x)).backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(3, 5);
        Ops.sum(x).backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(4, 6);
        x.zeroGrad();
        assertThat(x.grad()).isNull();
    }

    @Test
    void backwardSkipsBranchesThatNeedNoGradient() {
        Triple.BACKWARDS.set(0);
        Tensor p = Tensor.parameter(random(1, 3));
        Tensor c = Tensor.constant(random(2, 3));
        Tensor constantBranch = new Triple().call(c);
        assertThat(constantBranch.requiresGrad()).isFalse();
        Ops.sum(Ops.add(new Triple().call(p), constantBranch)).backward();
        assertThat(Triple.BACKWARDS.get()).isEqualTo(1);
        assertThat(c.grad()).isNull();
        assertThat(p.grad().toDoubleVector()).containsExactly(3, 3, 3);
    }

    @Test
    void noGradRecordsNothing() {
        Tensor p = Tensor.parameter(random(3, 4));
        Tensor y;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            assertThat(GradMode.isEnabled()).isFalse();
            y = Ops.sum(Ops.square(p));
        }
        assertThat(GradMode.isEnabled()).isTrue();
        assertThat(y.requiresGrad()).isFalse();
        assertThatThrownBy(y::backward).isInstanceOf(IllegalStateException.class).hasMessageContaining("does not require a gradient");
    }

    @Test
    void detachCutsTheGraph() {
        Tensor p = Tensor.parameter(random(4, 3));
        Tensor d = Ops.square(p).detach();
        assertThat(d.requiresGrad()).isFalse();
        assertThat(d.isLeaf()).isTrue();
        Tensor y = Ops.sum(Ops.mul(Ops.square(p), d));
        y.backward();
        // d(sum(p² · c))/dp = 2p·c with c = p² held constant: 2p³.
        INDArray want = p.value().mul(p.value()).mul(p.value()).mul(2);
        assertThat(p.grad().sub(want).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void backwardNeedsAScalarAndRunsOncePerForward() {
        Tensor p = Tensor.parameter(random(5, 2, 2));
        assertThatThrownBy(() -> Ops.square(p).backward()).hasMessageContaining("needs a scalar").hasMessageContaining("[2, 2]");
        Tensor y = Ops.sum(Ops.square(p));
        y.backward();
        assertThatThrownBy(y::backward).hasMessageContaining("already back-propagated");
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor p = Tensor.parameter(Nd4j.scalar(1.0));
        Tensor y = p;
        for (int i = 0; i < 20_000; i++) y = Ops.add(y, 0.001);
        y.backward();
        assertThat(p.grad().getDouble(0)).isEqualTo(1.0);
    }
}
