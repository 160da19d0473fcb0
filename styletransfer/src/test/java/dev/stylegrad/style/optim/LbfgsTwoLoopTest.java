package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Lbfgs} with fixed steps, iterate by iterate in float64, against L-BFGS written out with plain double arrays
 * from Nocedal & Wright (algorithm 7.4, two-loop recursion; 7.5, curvature pairs kept when sᵀy > 1e-10, the oldest
 * dropped beyond the history; H₀ = sᵀy/yᵀy; first step min(1, 1/‖g‖₁)·lr; steepest descent when the direction is
 * not downhill), and the limits and state it keeps.
 */
class LbfgsTwoLoopTest {
    /** A gradient function on double[]; the value is returned in out[0]. */
    interface Fn {
        double[] gradient(double[] x, double[] value);
    }

    /** Σ a_i·x_i² + x_i·x_{i+1} + sin(2·x_i): curvature of both signs, so some pairs are refused. */
    static final Fn BUMPY = (x, out) -> {
        double f = 0;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double a = 0.5 + i;
            f += a * x[i] * x[i] + Math.sin(2 * x[i]);
            g[i] += 2 * a * x[i] + 2 * Math.cos(2 * x[i]);
            if (i + 1 < x.length) {
                f += x[i] * x[i + 1];
                g[i] += x[i + 1];
                g[i + 1] += x[i];
            }
        }
        out[0] = f;
        return g;
    };

    /** An ill-conditioned convex quadratic Σ (i+1)²·x_i²/2 − x_i. */
    static final Fn QUADRATIC = (x, out) -> {
        double f = 0;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double a = (i + 1) * (i + 1);
            f += a * x[i] * x[i] / 2 - x[i];
            g[i] = a * x[i] - 1;
        }
        out[0] = f;
        return g;
    };

    static Objective objective(Fn fn, List<double[]> seen) {
        return (x, grad) -> {
            double[] v = x.toDoubleVector();
            if (seen != null) seen.add(v);
            double[] f = new double[1];
            grad.assign(Nd4j.create(fn.gradient(v, f), x.shape(), 'c'));
            return new Objective.Evaluation(0, f[0], 0, f[0]);
        };
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double amax(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** L-BFGS with fixed steps on plain arrays; returns the iterates x_0 … x_n. */
    static List<double[]> reference(Fn fn, double[] x0, double lr, int history, int iterations) {
        List<double[]> xs = new ArrayList<>();
        List<double[]> ss = new ArrayList<>(), ys = new ArrayList<>();
        List<Double> rhos = new ArrayList<>();
        double hDiag = 1;
        double[] x = x0.clone(), xPrev = null, gPrev = null;
        xs.add(x.clone());
        for (int k = 0; k < iterations; k++) {
            double[] g = fn.gradient(x, new double[1]);
            if (amax(g) <= 1e-7) break;
            if (k > 0) {
                double[] s = new double[x.length], y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    s[i] = x[i] - xPrev[i];
                    y[i] = g[i] - gPrev[i];
                }
                double sy = dot(s, y);
                if (sy > 1e-10) {
                    if (ss.size() == history) {
                        ss.remove(0);
                        ys.remove(0);
                        rhos.remove(0);
                    }
                    ss.add(s);
                    ys.add(y);
                    rhos.add(1 / sy);
                    hDiag = sy / dot(y, y);
                }
            }
            double[] q = new double[x.length];
            for (int i = 0; i < x.length; i++) q[i] = -g[i];
            int n = ss.size();
            double[] alpha = new double[n];
            for (int j = n - 1; j >= 0; j--) {
                alpha[j] = rhos.get(j) * dot(ss.get(j), q);
                for (int i = 0; i < x.length; i++) q[i] -= alpha[j] * ys.get(j)[i];
            }
            for (int i = 0; i < x.length; i++) q[i] *= hDiag;
            for (int j = 0; j < n; j++) {
                double beta = rhos.get(j) * dot(ys.get(j), q);
                for (int i = 0; i < x.length; i++) q[i] += (alpha[j] - beta) * ss.get(j)[i];
            }
            if (dot(g, q) > -1e-9) {
                ss.clear();
                ys.clear();
                rhos.clear();
                hDiag = 1;
                for (int i = 0; i < x.length; i++) q[i] = -g[i];
            }
            double l1 = 0;
            for (double v : g) l1 += Math.abs(v);
            double t = k == 0 ? Math.min(1, 1 / l1) * lr : lr;
            xPrev = x.clone();
            gPrev = g;
            for (int i = 0; i < x.length; i++) x[i] += t * q[i];
            xs.add(x.clone());
        }
        return xs;
    }

    static void assertFollowsReference(Fn fn, double[] x0, double lr, int history, int iterations) {
        List<double[]> want = reference(fn, x0, lr, history, iterations);
        assertThat(want).hasSize(iterations + 1);
        Lbfgs opt = new Lbfgs(lr, history, false, 1e-7, 1e-9);
        INDArray x = Nd4j.create(x0.clone(), new long[] {x0.length}, 'c');
        Objective f = objective(fn, null);
        for (int k = 1; k <= iterations; k++) {
            double[] before = want.get(k - 1);
            Objective.Evaluation e = opt.step(x, f);
            double[] value = new double[1];
            fn.gradient(before, value);
            assertThat(e.total()).as("iteration %d reports the loss where it started", k).isCloseTo(value[0], within(1e-9 * (1 + Math.abs(value[0]))));
            double[] got = x.toDoubleVector();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("iteration %d element %d", k, i).isCloseTo(want.get(k)[i], within(1e-9 * (1 + Math.abs(want.get(k)[i]))));
            }
        }
        assertThat(opt.evaluations()).as("one evaluation per fixed-length iteration").isEqualTo(iterations);
    }

    @Test
    void fixedStepsFollowTheTwoLoopRecursionOnAQuadratic() {
        assertFollowsReference(QUADRATIC, new double[] {2, -1, 0.5, 3, -0.25}, 1.0, 3, 12);
    }

    @Test
    void fixedStepsFollowTheReferenceWithRefusedPairsAndEvictions() {
        assertFollowsReference(BUMPY, new double[] {1.3, -0.4, 2.2, -1.7}, 0.3, 2, 25);
        assertFollowsReference(BUMPY, new double[] {-2, 2, -2, 2, 0.1}, 0.8, 1, 15);
    }

    @Test
    void theFirstStepIsScaledByTheGradientsL1Norm() {
        // ‖g‖₁ < 1: the first step is lr·d; ‖g‖₁ > 1: lr·d/‖g‖₁.
        Fn small = (x, out) -> {
            out[0] = 0.05 * x[0] + 0.1 * x[1];
            return new double[] {0.05, 0.1};
        };
        Lbfgs opt = new Lbfgs(2.0, 5, false, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {0, 0}, new long[] {2}, 'c');
        opt.step(x, objective(small, null));
        assertThat(x.toDoubleVector()).usingComparatorWithPrecision(1e-15).containsExactly(-0.1, -0.2);
        Fn large = (x1, out) -> {
            out[0] = 3 * x1[0] - 5 * x1[1];
            return new double[] {3, -5};
        };
        Lbfgs opt2 = new Lbfgs(2.0, 5, false, 1e-7, 1e-9);
        INDArray y = Nd4j.create(new double[] {0, 0}, new long[] {2}, 'c');
        opt2.step(y, objective(large, null));
        assertThat(y.toDoubleVector()).usingComparatorWithPrecision(1e-15).containsExactly(-0.75, 1.25);
    }

    @Test
    void aVanishingGradientConvergesWithoutMoving() {
        Fn flat = (x, out) -> {
            out[0] = 1;
            return new double[] {1e-8, -1e-7};
        };
        List<double[]> seen = new ArrayList<>();
        Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {0.5, 0.5}, new long[] {2}, 'c');
        Objective.Evaluation e = opt.step(x, objective(flat, seen));
        assertThat(e.total()).isEqualTo(1);
        assertThat(opt.converged()).isTrue();
        assertThat(x.toDoubleVector()).containsExactly(0.5, 0.5);
        opt.step(x, objective(flat, seen));
        assertThat(seen).as("a converged optimizer does not evaluate again").hasSize(1);
        assertThat(opt.evaluations()).isEqualTo(1);

        Fn notQuite = (x1, out) -> {
            out[0] = 1;
            return new double[] {2e-7, 0};
        };
        Lbfgs opt2 = new Lbfgs(1.0, 5, false, 1e-7, 1e-9);
        opt2.step(Nd4j.create(new double[] {0.5, 0.5}, new long[] {2}, 'c'), objective(notQuite, null));
        assertThat(opt2.converged()).isFalse();
    }

    @Test
    void tinyFixedStepsCountAsConverged() {
        // Steps of t·max|d| ≤ 1e-9 stop the run; 1.5e-9 does not.
        Fn linear = (x, out) -> {
            out[0] = x[0];
            return new double[] {1};
        };
        Lbfgs tiny = new Lbfgs(1e-9, 5, false, 1e-12, 1e-9);
        tiny.step(Nd4j.create(new double[] {0}, new long[] {1}, 'c'), objective(linear, null));
        assertThat(tiny.converged()).isTrue();
        Lbfgs notTiny = new Lbfgs(1.5e-9, 5, false, 1e-12, 1e-9);
        notTiny.step(Nd4j.create(new double[] {0}, new long[] {1}, 'c'), objective(linear, null));
        assertThat(notTiny.converged()).isFalse();
    }

    @Test
    void anUphillDirectionFromRestoredPairsFallsBackToSteepestDescent() {
        // A restored pair with negative rho makes the two-loop direction point uphill; the step must then be −lr·g.
        Fn quad = (x, out) -> {
            out[0] = (x[0] * x[0] + x[1] * x[1]) / 2;
            return new double[] {x[0], x[1]};
        };
        Map<String, Object> s = LbfgsFallbackTest.restoredAfterOneIteration(-1.0, LbfgsFallbackTest.vec(1, 1),
                LbfgsFallbackTest.vec(1, 1), LbfgsFallbackTest.vec(1, 2));
        s.put("pairs", 0L);
        Lbfgs opt = new Lbfgs(0.5, 5, false, 1e-7, 1e-9);
        opt.restore(s);
        INDArray x = Nd4j.create(new double[] {1, 2}, new long[] {2}, 'c');
        // At x = (1, 2): s = 0, so no pair is kept; hDiag = −1 flips the direction uphill, and the reset restores −g.
        opt.step(x, objective(quad, null));
        assertThat(x.toDoubleVector()).usingComparatorWithPrecision(1e-15).containsExactly(0.5, 1.0);
        assertThat(((Number) opt.state().get("hDiag")).doubleValue()).isEqualTo(1.0);
    }

    @Test
    void stateListsPairsOldestFirstAndRestoresThem() {
        Lbfgs opt = new Lbfgs(0.5, 3, false, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {2, -1, 0.5}, new long[] {3}, 'c');
        Objective f = objective(QUADRATIC, null);
        for (int i = 0; i < 6; i++) opt.step(x, f);
        Map<String, Object> s = opt.state();
        assertThat(((Number) s.get("pairs")).longValue()).isEqualTo(3);
        assertThat(s).containsKeys("s0", "y0", "rho0", "s2", "y2", "rho2").doesNotContainKey("s3");
        for (int i = 0; i < 3; i++) {
            double[] si = ((INDArray) s.get("s" + i)).toDoubleVector(), yi = ((INDArray) s.get("y" + i)).toDoubleVector();
            assertThat((Double) s.get("rho" + i)).isCloseTo(1 / dot(si, yi), within(1e-12 / dot(si, yi)));
            // On this quadratic y = A·s with A = diag(1, 4, 9).
            for (int k = 0; k < 3; k++) assertThat(yi[k]).isCloseTo((k + 1) * (k + 1) * si[k], within(1e-12));
        }
        // The newest pair is s2: the last step taken, x5 − x4 (iteration 6 remembered it, then moved to x6).
        assertThat(((Number) s.get("iterations")).longValue()).isEqualTo(6);
        double[] s2 = ((INDArray) s.get("s2")).toDoubleVector(), y2 = ((INDArray) s.get("y2")).toDoubleVector();
        assertThat(((Number) s.get("hDiag")).doubleValue()).isCloseTo(dot(s2, y2) / dot(y2, y2), within(1e-12));

        Map<String, Object> bad = new HashMap<>(s);
        bad.put("pairs", 4L);
        assertThatThrownBy(() -> new Lbfgs(0.5, 3, false, 1e-7, 1e-9).restore(bad)).hasMessageContaining("4 curvature pairs, expected 0..3");
        bad.put("pairs", -1L);
        assertThatThrownBy(() -> new Lbfgs(0.5, 3, false, 1e-7, 1e-9).restore(bad)).hasMessageContaining("-1 curvature pairs");
        Map<String, Object> wrongType = new HashMap<>(s);
        wrongType.put("converged", 1L);
        assertThatThrownBy(() -> new Lbfgs(0.5, 3, false, 1e-7, 1e-9).restore(wrongType))
                .hasMessageContaining("lbfgs state: 'converged' should be a Boolean, found Long");
        Map<String, Object> missing = new HashMap<>(s);
        missing.remove("y1");
        assertThatThrownBy(() -> new Lbfgs(0.5, 3, false, 1e-7, 1e-9).restore(missing)).hasMessageContaining("lbfgs state: missing 'y1'");
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new Lbfgs(0, true)).hasMessageContaining("learning rate must be positive, got 0.0");
        assertThatThrownBy(() -> new Lbfgs(Double.NaN, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Lbfgs(1, 0, true, 1e-7, 1e-9)).hasMessageContaining("history must be at least 1, got 0");
        Lbfgs one = new Lbfgs(1, 1, true, 1e-7, 1e-9);
        assertThat(one.name()).isEqualTo("lbfgs");
        assertThat(one.converged()).isFalse();
        assertThat(one.evaluations()).isZero();
    }
}
