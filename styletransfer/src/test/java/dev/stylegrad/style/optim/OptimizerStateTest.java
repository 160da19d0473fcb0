package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Optimizer#state()} and {@link Optimizer#restore}: k steps, state handed to a fresh optimizer, more steps give
 * exactly (bit for bit) what the optimizer that never stopped gives, including the evaluation count.
 */
class OptimizerStateTest {
    /** A bumpy float32 function: sum(sin(3x) + x²), gradient 3cos(3x) + 2x. */
    static final Objective BUMPY = (x, grad) -> {
        INDArray s = org.nd4j.linalg.ops.transforms.Transforms.sin(x.mul(3), false);
        grad.assign(org.nd4j.linalg.ops.transforms.Transforms.cos(x.mul(3), false).muli(3).addi(x.mul(2)));
        double f = s.addi(x.mul(x)).sumNumber().doubleValue();
        return new Objective.Evaluation(0, f, 0, f);
    };

    private static INDArray start() {
        return Nd4j.rand(DataType.FLOAT, 1, 3, 5, 4).muli(4).subi(2); // ND4J's default seed: the same every run
    }

    /** Runs {@code k} steps, moves the state to a fresh optimizer, runs {@code more}; compares with never stopping. */
    private static void assertResumesExactly(Supplier<Optimizer> make, Objective f, INDArray x0, int k, int more) {
        INDArray a = x0.dup();
        Optimizer straight = make.get();
        double[] lossesStraight = new double[k + more];
        for (int i = 0; i < k + more; i++) lossesStraight[i] = straight.step(a, f).total();

        INDArray b = x0.dup();
        Optimizer first = make.get();
        double[] losses = new double[k + more];
        for (int i = 0; i < k; i++) losses[i] = first.step(b, f).total();
        Map<String, Object> state = first.state();
        for (int i = 0; i < 3; i++) first.step(b.dup(), f); // the saved state is a copy: later steps do not change it
        Optimizer resumed = make.get();
        resumed.restore(new HashMap<>(state));
        INDArray c = b.dup();
        for (int i = k; i < k + more; i++) losses[i] = resumed.step(c, f).total();

        assertThat(c.data().asDouble()).as("parameters after resuming").containsExactly(a.data().asDouble());
        assertThat(losses).as("losses of every step").containsExactly(lossesStraight);
        assertThat(resumed.evaluations()).as("evaluations").isEqualTo(straight.evaluations());
        assertThat(resumed.converged()).isEqualTo(straight.converged());
    }

    @Test
    void adamResumesBitIdentically() {
        assertResumesExactly(() -> new Adam(0.05), BUMPY, start(), 7, 13);
    }

    @Test
    void adamStateBeforeTheFirstStepResumesToo() {
        assertResumesExactly(() -> new Adam(0.05), BUMPY, start(), 0, 5);
    }

    @Test
    void lbfgsWithLineSearchResumesBitIdentically() {
        // Rosenbrock: curved, so the history, hDiag and line search all matter to the next iterates.
        INDArray x0 = Nd4j.create(new double[] {-1.2, 1, -1.2, 1, 0.5, -0.5}, new long[] {6}, 'c');
        assertResumesExactly(() -> new Lbfgs(1.0, true), new LbfgsTest.Rosenbrock(), x0, 6, 12);
        assertResumesExactly(() -> new Lbfgs(1.0, true), BUMPY, start(), 4, 8);
    }

    @Test
    void lbfgsStaysConvergedAfterResuming() {
        INDArray x0 = Nd4j.create(new double[] {-1.2, 1, -1.2, 1, 0.5, -0.5}, new long[] {6}, 'c');
        Lbfgs probe = new Lbfgs(1.0, true);
        int k = 0;
        for (INDArray x = x0.dup(); !probe.converged() && k < 500; k++) probe.step(x, new LbfgsTest.Rosenbrock());
        assertThat(probe.converged()).isTrue();
        assertResumesExactly(() -> new Lbfgs(1.0, true), new LbfgsTest.Rosenbrock(), x0, k, 3);
    }

    @Test
    void lbfgsWithFixedStepsResumesBitIdentically() {
        assertResumesExactly(() -> new Lbfgs(0.1, false), BUMPY, start(), 5, 10);
    }

    @Test
    void lbfgsHistoryLongerThanItsCapacityResumes() {
        // history 3 < steps: pairs have been evicted and recycled before the state is taken
        INDArray x0 = Nd4j.create(new double[] {-1.2, 1, -1.2, 1, 0.5, -0.5}, new long[] {6}, 'c');
        assertResumesExactly(() -> new Lbfgs(1.0, 3, true, 1e-7, 1e-9), new LbfgsTest.Rosenbrock(), x0, 8, 10);
    }

    @Test
    void aStateWithoutAKeyIsRefusedNamingIt() {
        Adam adam = new Adam(0.1);
        adam.step(start(), BUMPY);
        Map<String, Object> state = adam.state();
        state.remove("v");
        assertThatThrownBy(() -> new Adam(0.1).restore(state)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adam state: missing 'v'");
        Map<String, Object> lbfgs = new HashMap<>(Map.of("iterations", 1L, "evaluations", 1L, "hDiag", 1.0, "converged", "no"));
        assertThatThrownBy(() -> new Lbfgs(1, true).restore(lbfgs)).hasMessageContaining("'converged' should be a Boolean");
    }
}
