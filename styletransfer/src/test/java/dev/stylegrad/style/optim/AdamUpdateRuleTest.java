package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Adam} step by step in float64 against the update written out with plain doubles (torch.optim.Adam's
 * formula), with non-default β1, β2, ε so each constant is visible, and its moments, counters and refusals.
 */
class AdamUpdateRuleTest {
    /** f(x) = Σ c_i·x_i⁴/4 + x_i²/2 with per-element c: gradient c·x³ + x, so moments differ per element and step. */
    static final double[] C = {0.5, 2, 1, 3, 0.25, 1.5};

    static double[] gradient(double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) g[i] = C[i] * x[i] * x[i] * x[i] + x[i];
        return g;
    }

    static double value(double[] x) {
        double f = 0;
        for (int i = 0; i < x.length; i++) f += C[i] * Math.pow(x[i], 4) / 4 + x[i] * x[i] / 2;
        return f;
    }

    static final Objective QUARTIC = (x, grad) -> {
        double[] v = x.dup('c').data().asDouble();
        grad.assign(Nd4j.create(gradient(v), x.shape(), 'c'));
        double f = value(v);
        return new Objective.Evaluation(0.25, f - 0.25, 0, f);
    };

    static INDArray start() {
        return Nd4j.create(new double[] {1.5, -0.7, 0.3, -2.0, 4.0, 0.01}, new long[] {2, 3}, 'c');
    }

    @Test
    void stepsMatchTheFormulaInFloat64() {
        double lr = 0.07, b1 = 0.8, b2 = 0.95, eps = 1e-3;
        Adam adam = new Adam(lr, b1, b2, eps);
        INDArray x = start();
        double[] ref = x.dup().data().asDouble();
        double[] m = new double[ref.length], v = new double[ref.length];
        for (int t = 1; t <= 12; t++) {
            double want = value(ref);
            double[] g = gradient(ref);
            Objective.Evaluation e = adam.step(x, QUARTIC);
            assertThat(e.total()).as("loss at the iterate the step started from, step " + t).isCloseTo(want, within(1e-12));
            assertThat(e.content()).isEqualTo(0.25);
            for (int i = 0; i < ref.length; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                ref[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
            double[] got = x.data().asDouble();
            for (int i = 0; i < ref.length; i++) assertThat(got[i]).as("step %d element %d", t, i).isCloseTo(ref[i], within(1e-12));
            Map<String, Object> s = adam.state();
            assertThat(((Number) s.get("t")).longValue()).isEqualTo(t);
            assertThat(((Number) s.get("evaluations")).longValue()).isEqualTo(t);
            assertThat(((INDArray) s.get("m")).data().asDouble()).usingComparatorWithPrecision(1e-12).containsExactly(m);
            assertThat(((INDArray) s.get("v")).data().asDouble()).usingComparatorWithPrecision(1e-12).containsExactly(v);
        }
        assertThat(adam.evaluations()).isEqualTo(12);
        assertThat(adam.name()).isEqualTo("adam");
        assertThat(adam.converged()).isFalse();
    }

    @Test
    void defaultsAreTorchs() {
        // One step from x0 with β1 = 0.9, β2 = 0.999, ε = 1e-8: x1 = x0 − lr·g/(|g| + ε·√(1−β2)) after bias correction.
        Adam adam = new Adam(0.01);
        INDArray x = start();
        double[] x0 = x.dup().data().asDouble(), g = gradient(x0);
        adam.step(x, QUARTIC);
        double[] got = x.data().asDouble();
        for (int i = 0; i < x0.length; i++) {
            double m = 0.1 * g[i], v = 0.001 * g[i] * g[i];
            double want = x0[i] - 0.01 / 0.1 * m / (Math.sqrt(v) / Math.sqrt(0.001) + 1e-8);
            assertThat(got[i]).isCloseTo(want, within(1e-15));
        }
        // Second step: the bias corrections use t = 2.
        double[] g1 = gradient(got);
        adam.step(x, QUARTIC);
        double[] got2 = x.data().asDouble();
        for (int i = 0; i < x0.length; i++) {
            double m = 0.9 * 0.1 * g[i] + 0.1 * g1[i];
            double v = 0.999 * 0.001 * g[i] * g[i] + 0.001 * g1[i] * g1[i];
            double want = got[i] - 0.01 / (1 - 0.81) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 * 0.999) + 1e-8);
            assertThat(got2[i]).isCloseTo(want, within(1e-14));
        }
    }

    @Test
    void aNonFiniteEvaluationChangesNothing() {
        Adam adam = new Adam(0.1);
        INDArray x = start();
        adam.step(x, QUARTIC);
        INDArray before = x.dup();
        Map<String, Object> s0 = adam.state();
        Objective nan = (p, grad) -> {
            grad.assign(Double.NaN);
            return new Objective.Evaluation(0, Double.NaN, 0, Double.NaN);
        };
        Objective.Evaluation e = adam.step(x, nan);
        assertThat(e.isFinite()).isFalse();
        assertThat(x.data().asDouble()).containsExactly(before.data().asDouble());
        Map<String, Object> s1 = adam.state();
        assertThat(s1.get("t")).isEqualTo(1L);
        assertThat(s1.get("evaluations")).isEqualTo(2L);
        assertThat(((INDArray) s1.get("m")).data().asDouble()).containsExactly(((INDArray) s0.get("m")).data().asDouble());
        assertThat(((INDArray) s1.get("v")).data().asDouble()).containsExactly(((INDArray) s0.get("v")).data().asDouble());
        assertThat(adam.evaluations()).isEqualTo(2);
        // The next finite step is the second update (t = 2), not the third.
        Adam fresh = new Adam(0.1);
        INDArray y = start();
        fresh.step(y, QUARTIC);
        fresh.step(y, QUARTIC);
        adam.step(x, QUARTIC);
        assertThat(x.data().asDouble()).containsExactly(y.data().asDouble());
    }

    @Test
    void stateBeforeTheFirstStepHasNoMomentsAndRestoresToAFreshStart() {
        Adam adam = new Adam(0.1);
        Map<String, Object> s = adam.state();
        assertThat(s).containsOnlyKeys("t", "evaluations");
        assertThat(s.get("t")).isEqualTo(0L);

        // A used optimizer given a not-started state behaves like a new one: zero moments, t = 0.
        Adam used = new Adam(0.1);
        INDArray u = start();
        for (int i = 0; i < 3; i++) used.step(u, QUARTIC);
        used.restore(new HashMap<>(Map.of("t", 0, "evaluations", 0)));
        assertThat(used.state()).containsOnlyKeys("t", "evaluations");
        INDArray a = start(), b = start();
        used.step(a, QUARTIC);
        new Adam(0.1).step(b, QUARTIC);
        assertThat(a.data().asDouble()).containsExactly(b.data().asDouble());
        assertThat(used.evaluations()).isEqualTo(1);
    }

    @Test
    void restoredMomentsAreCopiesOfTheState() {
        Adam adam = new Adam(0.1);
        INDArray x = start();
        adam.step(x, QUARTIC);
        Map<String, Object> s = adam.state();
        INDArray m = (INDArray) s.get("m");
        double[] mBefore = m.data().asDouble();
        Adam other = new Adam(0.1);
        other.restore(s);
        INDArray y = x.dup();
        other.step(y, QUARTIC);
        assertThat(m.data().asDouble()).as("restore copies; stepping leaves the given state alone").containsExactly(mBefore);
        assertThat(((INDArray) other.state().get("m")).dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void learningRateMustBePositive() {
        assertThatThrownBy(() -> new Adam(0)).hasMessageContaining("learning rate must be positive, got 0.0");
        assertThatThrownBy(() -> new Adam(-1e-3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Adam(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Adam(Double.MIN_VALUE).name()).isEqualTo("adam");
    }
}
