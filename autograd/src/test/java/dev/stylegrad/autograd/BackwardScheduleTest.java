package dev.stylegrad.autograd;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tape's contract beyond gradient values: the order backward runs ops in (leaves first, then the op whose inputs
 * were made last), saved arrays dropped once used, the gradient-shape check, in-place use of a gradient only when
 * nobody else reads it, and what a Tensor says about itself.
 */
class BackwardScheduleTest {
    /** x ↦ 2x, logging its backward calls and what a watched leaf's gradient was at that moment. */
    static final class Logged extends Function {
        final String label;
        final List<String> log;
        final Tensor watched;
        Context ctx;

        Logged(String label, List<String> log, Tensor watched) {
            this.label = label;
            this.log = log;
            this.watched = watched;
        }

        @Override
        protected INDArray forward(Context ctx, INDArray... in) {
            this.ctx = ctx;
            ctx.saveForBackward(in[0]);
            return in[0].mul(2);
        }

        @Override
        protected INDArray[] backward(Context ctx, INDArray g) {
            log.add(label + (watched == null ? "" : watched.grad() == null ? " (leaf pending)" : " (leaf done)"));
            return new INDArray[] {g.mul(2)};
        }
    }

    @Test
    void amongReadyOpsTheOneWithTheNewestInputRunsFirst() {
        List<String> log = new ArrayList<>();
        Tensor x = Tensor.parameter(random(1, 3));
        Tensor old = new Logged("old", log, null).call(x);       // input x: the oldest tensor
        Tensor a = new Logged("a", log, null).call(x);
        Tensor newer = new Logged("newer", log, null).call(a);   // input a: made after x
        // add(old, newer): both become ready together, "old" first in the queue; "newer" must still run first.
        Ops.sum(Ops.add(old, newer)).backward();
        assertThat(log).containsExactly("newer", "old", "a");
        assertThat(x.grad().toDoubleVector()).containsExactly(6, 6, 6);
    }

    @Test
    void aLeafTakesItsGradientBeforeAnyWaitingOpRuns() {
        List<String> log = new ArrayList<>();
        Tensor p = Tensor.parameter(random(2, 4));
        Tensor q = Tensor.parameter(random(3, 4));
        Tensor t = new Logged("t", log, q).call(p);
        Ops.sum(Ops.add(t, q)).backward(); // q and t become ready together
        assertThat(log).containsExactly("t (leaf done)");
        assertThat(q.grad().toDoubleVector()).containsExactly(1, 1, 1, 1);
        assertThat(p.grad().toDoubleVector()).containsExactly(2, 2, 2, 2);
    }

    @Test
    void savedArraysAreDroppedAfterBackwardAndWhenNothingRecords() {
        Tensor p = Tensor.parameter(random(4, 2));
        Logged op = new Logged("op", new ArrayList<>(), null);
        Tensor y = op.call(p);
        assertThat(op.ctx.saved(0)).isSameAs(p.value());
        Ops.sum(y).backward();
        assertThatThrownBy(() -> op.ctx.saved(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already run");

        Logged constantOp = new Logged("c", new ArrayList<>(), null);
        Tensor c = constantOp.call(Tensor.constant(random(5, 2)));
        assertThat(c.requiresGrad()).isFalse();
        assertThat(c.isLeaf()).isTrue();
        assertThatThrownBy(() -> constantOp.ctx.saved(0)).isInstanceOf(IllegalStateException.class);
        assertThat(constantOp.ctx.recording()).isFalse();
    }

    @Test
    void contextReportsWhatIsRecorded() {
        Context none = new Context(new boolean[] {false, false}, new long[][] {{2}, {3}});
        assertThat(none.recording()).isFalse();
        assertThat(none.inputCount()).isEqualTo(2);
        assertThat(none.inputShape(1)).containsExactly(3);
        assertThat(new Context(new boolean[] {false, true}, new long[][] {{2}, {3}}).recording()).isTrue();
        assertThat(new Context(new boolean[] {true}, new long[][] {{2}}).recording()).isTrue();
        assertThat(new Context(new boolean[0], new long[0][]).recording()).isFalse();
    }

    @Test
    void aGradientOfTheWrongShapeIsReportedWithTheOp() {
        Function broken = new Function() {
            @Override
            protected INDArray forward(Context ctx, INDArray... in) {
                return in[0].dup();
            }

            @Override
            protected INDArray[] backward(Context ctx, INDArray g) {
                return new INDArray[] {g.reshape(1, 6)};
            }

            @Override
            public String name() {
                return "Broken";
            }
        };
        Tensor p = Tensor.parameter(random(6, 2, 3));
        Tensor y = Ops.sum(broken.call(p));
        assertThatThrownBy(y::backward).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Broken backward: gradient of input 0 has shape [1, 6], but the input has [2, 3]");
    }

    @Test
    void aScalarLeafBackPropagatesIntoItself() {
        Tensor p = Tensor.parameter(Nd4j.scalar(2.5));
        p.backward();
        assertThat(p.grad().getDouble(0)).isEqualTo(1.0);
        p.backward(); // a leaf has no graph to free: a second call accumulates again
        assertThat(p.grad().getDouble(0)).isEqualTo(2.0);
    }

    @Test
    void nullInputsAreNamed() {
        Tensor p = Tensor.parameter(random(7, 2));
        assertThatThrownBy(() -> Ops.add(p, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("Add: input 1 is null");
    }

    @Test
    void aSharedGradientIsNotOverwrittenInPlace() {
        // add() hands the same gradient array to both inputs. The fused conv+ReLU backward may mask its incoming gradient
        // in place only if nobody else reads it; here "other" (made earlier, so run later) reads it too.
        for (boolean inScope : new boolean[] {false, true}) {
            INDArray x0 = random(8, 1, 2, 5, 5), w0 = random(9, 3, 2, 3, 3), r0 = random(10, 1, 3, 5, 5);
            Tensor p = Tensor.parameter(random(11, 1, 3, 5, 5));
            Tensor x = Tensor.parameter(x0);
            double[] pGrad;
            try (MemoryScope scope = inScope ? MemoryScope.open("schedule-test") : null) {
                Tensor other = Ops.mul(p, 3.0);
                Tensor conv = Ops.conv2dRelu(x, Tensor.constant(w0), null, Conv2dSpec.SAME_3X3);
                assertThat(conv.value().minNumber().doubleValue()).isZero(); // some outputs are masked
                Ops.sum(Ops.mul(Ops.add(conv, other), Tensor.constant(r0))).backward();
                pGrad = p.grad().ravel().toDoubleVector();
            }
            double[] want = r0.mul(3.0).data().asDouble();
            assertThat(pGrad).as("in scope: " + inScope).containsExactly(want);
        }
    }

    @Test
    void describesItself() {
        Tensor p = Tensor.parameter(Nd4j.zeros(2, 3));
        Tensor y = Ops.add(p, p);
        assertThat(p.toString()).isEqualTo("Tensor[2, 3] requiresGrad");
        assertThat(y.toString()).isEqualTo("Tensor[2, 3] requiresGrad <- Add");
        assertThat(Tensor.constant(Nd4j.zeros(4)).toString()).isEqualTo("Tensor[4]");
        assertThat(y.isLeaf()).isFalse();
        assertThat(p.isLeaf()).isTrue();
        Ops.sum(y).backward();
        assertThat(y.toString()).as("the node is freed by backward").isEqualTo("Tensor[2, 3] requiresGrad");
        assertThat(new Logged("z", new ArrayList<>(), null).name()).isEqualTo("Logged");
    }
}
