package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Lbfgs} where the ordinary path does not apply: a line search that runs out of probes takes the best point it
 * saw (or stops where it started), an uphill direction from stored curvature pairs is dropped together with the pairs,
 * restoring into a used optimizer forgets what it held, and the cubic's double-root case.
 */
class LbfgsFallbackTest {
    /**
     * The state an optimizer restored after one iteration would have: curvature scale {@code hDiag}, gradients and
     * previous iterate as given, no current evaluation; the caller adds {@code pairs} (and each pair's s, y, rho).
     */
    static Map<String, Object> restoredAfterOneIteration(double hDiag, INDArray g, INDArray gPrev, INDArray xPrev) {
        Map<String, Object> s = new HashMap<>();
        s.put("iterations", 1L);
        s.put("evaluations", 1L);
        s.put("hDiag", hDiag);
        s.put("converged", false);
        s.put("haveCurrent", false);
        s.put("g", g);
        s.put("gPrev", gPrev);
        s.put("xPrev", xPrev);
        return s;
    }

    static INDArray vec(double... v) {
        return Nd4j.create(v, new long[] {v.length}, 'c');
    }

    @Test
    void anExhaustedLineSearchTakesTheBestPointItSaw() {
        // The reported slope is always −2 (it never flattens), so the curvature condition can never hold; the values
        // f = (x − 1)² have their minimum at 1. The search must end at its lowest probe, not at the start.
        LbfgsLineSearchTest.Recorded f = new LbfgsLineSearchTest.Recorded((x, out) -> {
            out[0] = (x[0] - 1) * (x[0] - 1);
            return new double[] {-2};
        });
        Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
        INDArray x = vec(0);
        opt.step(x, f);
        int best = 1;
        for (int i = 1; i < f.fs.size(); i++) if (f.fs.get(i) < f.fs.get(best)) best = i;
        assertThat(f.fs.size()).isGreaterThan(3);
        assertThat(x.getDouble(0)).isEqualTo(f.xs.get(best)[0]);
        assertThat(f.fs.get(best)).isLessThan(1.0);
        assertThat(opt.converged()).as("it moved, so it has not converged").isFalse();
        // The losses reported by the next step are the best point's, without evaluating it again.
        int before = f.fs.size();
        assertThat(opt.step(x, f).total()).isEqualTo(f.fs.get(best));
        assertThat(f.fs.size()).isGreaterThan(before);
        assertThat(f.xs.get(before)[0]).as("the next search starts from the best point").isNotEqualTo(f.xs.get(best)[0]);
    }

    @Test
    void aLineSearchThatFindsNothingLowerStopsWhereItStarted() {
        // Every point but the start is higher, although the reported slope says downhill.
        LbfgsLineSearchTest.Recorded f = new LbfgsLineSearchTest.Recorded((x, out) -> {
            out[0] = x[0] * x[0];
            return new double[] {-1};
        });
        Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
        INDArray x = vec(0);
        opt.step(x, f);
        assertThat(x.getDouble(0)).isZero();
        assertThat(opt.converged()).isTrue();
        for (int i = 1; i < f.xs.size(); i++) assertThat(f.xs.get(i)[0]).isPositive();
    }

    @Test
    void anUphillDirectionDropsTheStoredPairs() {
        // f = |x|²/2. A restored pair with a negative rho turns the two-loop direction uphill: the step must be −lr·g,
        // and the pair must be gone (a later iteration sees only pairs made after the reset).
        Map<String, Object> s = restoredAfterOneIteration(-1.0, vec(1, 2), vec(1, 2), vec(1, 2));
        s.put("pairs", 1L);
        s.put("s0", vec(1, 0));
        s.put("y0", vec(-1, 0));
        s.put("rho0", -1.0);
        Lbfgs opt = new Lbfgs(0.5, 5, false, 1e-7, 1e-9);
        opt.restore(s);
        Objective quad = (p, grad) -> {
            grad.assign(p);
            double v = p.mul(p).sumNumber().doubleValue() / 2;
            return new Objective.Evaluation(0, v, 0, v);
        };
        INDArray x = vec(1, 2);
        opt.step(x, quad);
        assertThat(x.toDoubleVector()).usingComparatorWithPrecision(1e-15).containsExactly(0.5, 1.0);
        Map<String, Object> after = opt.state();
        assertThat(after.get("pairs")).isEqualTo(0L);
        assertThat(after.get("hDiag")).isEqualTo(1.0);
        // Next iteration: one fresh pair s = (−0.5, −1), y = s (H = I on this function), so the step is −lr·g again.
        opt.step(x, quad);
        assertThat(x.toDoubleVector()).usingComparatorWithPrecision(1e-15).containsExactly(0.25, 0.5);
        assertThat(opt.state().get("pairs")).isEqualTo(1L);
    }

    @Test
    void restoringIntoAUsedOptimizerForgetsItsPairs() {
        Objective f = LbfgsTwoLoopTest.objective(LbfgsTwoLoopTest.QUADRATIC, null);
        Lbfgs source = new Lbfgs(0.5, 4, false, 1e-7, 1e-9);
        INDArray xs = vec(2, -1, 0.5);
        for (int i = 0; i < 2; i++) source.step(xs, f);
        Map<String, Object> state = source.state();

        Lbfgs used = new Lbfgs(0.5, 4, false, 1e-7, 1e-9);
        INDArray xu = vec(-3, 1, 2);
        for (int i = 0; i < 6; i++) used.step(xu, f); // holds pairs of its own
        used.restore(new HashMap<>(state));
        Lbfgs fresh = new Lbfgs(0.5, 4, false, 1e-7, 1e-9);
        fresh.restore(new HashMap<>(state));
        INDArray a = xs.dup(), b = xs.dup();
        for (int i = 0; i < 4; i++) {
            used.step(a, f);
            fresh.step(b, f);
        }
        assertThat(a.toDoubleVector()).containsExactly(b.toDoubleVector());
        assertThat(used.state().get("pairs")).isEqualTo(fresh.state().get("pairs"));
    }

    @Test
    void aDoubleRootOfTheCubicsSlopeIsReturned() {
        // Through (0, 0) with slope 1 and (1, 1) with slope 4: p = 3t³ − 3t² + t, p' = (3t − 1)², d2 = 0.
        assertThat(Lbfgs.cubicMinimum(0, 0, 1, 1, 1, 4, -10, 10)).isCloseTo(1.0 / 3, within(1e-12));
    }
}
