package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Lbfgs}'s strong-Wolfe line search: the cubic interpolation against cubics whose minimizer is known in closed
 * form, every accepted step checked against both Wolfe conditions (measured from the evaluations the objective saw),
 * and an exact trace on a quadratic, where L-BFGS with exact curvature lands on the minimum in two iterations.
 */
class LbfgsLineSearchTest {
    /** Local minimizer of a·t³ + b·t² + c·t + d (a ≠ 0, b² > 3ac). */
    static double cubicArgmin(double a, double b, double c) {
        return (-b + Math.sqrt(b * b - 3 * a * c)) / (3 * a);
    }

    @Test
    void cubicInterpolationFindsTheCubicsOwnMinimum() {
        double[][] cubics = {{1, -3, 0, 2}, {0.5, -1, -2, 0}, {2, 1, -4, 1}, {-1, 3, 0, 0}};
        for (double[] k : cubics) {
            double a = k[0], b = k[1], c = k[2], d = k[3];
            double want = cubicArgmin(a, b, c);
            java.util.function.DoubleUnaryOperator p = t -> ((a * t + b) * t + c) * t + d;
            java.util.function.DoubleUnaryOperator dp = t -> (3 * a * t + 2 * b) * t + c;
            double x1 = want - 0.7, x2 = want + 1.3;
            double got = Lbfgs.cubicMinimum(x1, p.applyAsDouble(x1), dp.applyAsDouble(x1), x2, p.applyAsDouble(x2), dp.applyAsDouble(x2), -100, 100);
            assertThat(got).as("cubic %s, points in order", java.util.Arrays.toString(k)).isCloseTo(want, within(1e-9));
            double swapped = Lbfgs.cubicMinimum(x2, p.applyAsDouble(x2), dp.applyAsDouble(x2), x1, p.applyAsDouble(x1), dp.applyAsDouble(x1), 100, -100);
            assertThat(swapped).as("cubic %s, points swapped, bounds reversed", java.util.Arrays.toString(k)).isCloseTo(want, within(1e-9));
            // Clamped to the interval on either side.
            assertThat(Lbfgs.cubicMinimum(x1, p.applyAsDouble(x1), dp.applyAsDouble(x1), x2, p.applyAsDouble(x2), dp.applyAsDouble(x2), want + 0.25, want + 3))
                    .isEqualTo(want + 0.25);
            assertThat(Lbfgs.cubicMinimum(x1, p.applyAsDouble(x1), dp.applyAsDouble(x1), x2, p.applyAsDouble(x2), dp.applyAsDouble(x2), want - 3, want - 0.5))
                    .isEqualTo(want - 0.5);
        }
        // A quadratic is a cubic with a = 0: its minimum -c/2b.
        java.util.function.DoubleUnaryOperator q = t -> 2 * t * t - 3 * t + 1;
        assertThat(Lbfgs.cubicMinimum(0, q.applyAsDouble(0), -3, 2, q.applyAsDouble(2), 5, -10, 10)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void withoutARealMinimumTheMidpointIsTaken() {
        // Rising slopes at both ends with a secant twice as steep: d1 = 3 + 3 − 3·2 = 0 < g1·g2, no real stationary point.
        assertThat(Lbfgs.cubicMinimum(0, 0, 3, 1, 2, 3, 2, 6)).isEqualTo(4);
        assertThat(Lbfgs.cubicMinimum(0, 0, 3, 1, 2, 3, 6, 2)).isEqualTo(4);
        // Coincident points carry no interval.
        assertThat(Lbfgs.cubicMinimum(1, 0, -1, 1, 0, -1, 0, 3)).isEqualTo(1.5);
        // A degenerate cubic whose formula divides 0 by 0.
        assertThat(Lbfgs.cubicMinimum(0, 0, 0, 1, 0, 0, 0, 1)).isEqualTo(0.5);
    }

    /** An objective on doubles that records every point and value it was asked for. */
    static final class Recorded implements Objective {
        final LbfgsTwoLoopTest.Fn fn;
        final List<double[]> xs = new ArrayList<>();
        final List<double[]> gs = new ArrayList<>();
        final List<Double> fs = new ArrayList<>();

        Recorded(LbfgsTwoLoopTest.Fn fn) {
            this.fn = fn;
        }

        @Override
        public Evaluation evaluate(INDArray x, INDArray grad) {
            double[] v = x.toDoubleVector();
            double[] f = new double[1];
            double[] g = fn.gradient(v, f);
            xs.add(v);
            gs.add(g);
            fs.add(f[0]);
            grad.assign(Nd4j.create(g, x.shape(), 'c'));
            return new Evaluation(0, f[0], 0, f[0]);
        }

        int indexOf(double[] x) {
            for (int i = xs.size() - 1; i >= 0; i--) if (java.util.Arrays.equals(xs.get(i), x)) return i;
            return -1;
        }
    }

    static final LbfgsTwoLoopTest.Fn ROSENBROCK = (x, out) -> {
        double f = 0;
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i += 2) {
            double a = x[i], b = x[i + 1];
            f += 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
            g[i] = -400 * a * (b - a * a) - 2 * (1 - a);
            g[i + 1] = 200 * (b - a * a);
        }
        out[0] = f;
        return g;
    };

    @Test
    void everyAcceptedStepMeetsBothStrongWolfeConditions() {
        for (LbfgsTwoLoopTest.Fn fn : new LbfgsTwoLoopTest.Fn[] {ROSENBROCK, LbfgsTwoLoopTest.BUMPY}) {
            double[] x0 = fn == ROSENBROCK ? new double[] {-1.2, 1, 0.5, -0.5} : new double[] {1.3, -0.4, 2.2, -1.7};
            Recorded f = new Recorded(fn);
            Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
            INDArray x = Nd4j.create(x0.clone(), new long[] {x0.length}, 'c');
            int checked = 0;
            for (int k = 0; k < 8 && !opt.converged(); k++) {
                double[] before = x.toDoubleVector();
                int start = f.indexOf(before);
                double f0 = start >= 0 ? f.fs.get(start) : Double.NaN;
                double[] g0 = start >= 0 ? f.gs.get(start) : null;
                Objective.Evaluation e = opt.step(x, f);
                if (start < 0) continue; // the very first call evaluates the start itself
                assertThat(e.total()).isEqualTo(f0);
                double[] after = x.toDoubleVector();
                int at = f.indexOf(after);
                assertThat(at).as("the new iterate was evaluated").isGreaterThanOrEqualTo(0);
                double[] step = new double[after.length];
                for (int i = 0; i < step.length; i++) step[i] = after[i] - before[i];
                double gtd0 = LbfgsTwoLoopTest.dot(g0, step), gtd = LbfgsTwoLoopTest.dot(f.gs.get(at), step);
                if (opt.converged()) break;
                assertThat(gtd0).as("descent").isNegative();
                assertThat(f.fs.get(at)).as("sufficient decrease").isLessThanOrEqualTo(f0 + 1e-4 * gtd0);
                assertThat(Math.abs(gtd)).as("curvature").isLessThanOrEqualTo(0.9 * Math.abs(gtd0) * (1 + 1e-9));
                checked++;
            }
            assertThat(checked).isGreaterThan(3);
            assertThat(opt.evaluations()).isEqualTo(f.fs.size());
        }
    }

    @Test
    void onAOneDimensionalQuadraticTheSecondIterationLandsOnTheMinimum() {
        // f = (x − 3)², x0 = 0: g0 = −6, first step length min(1, 1/6) along d = 6 reaches x = 1 (f = 4 ≤ 9 − 1e-4·36,
        // |g·d| = 24 ≤ 0.9·36): accepted. Then s = 1, y = 2, H = s/y = 1/2 is the exact inverse curvature: x = 3.
        LbfgsTwoLoopTest.Fn fn = (x, out) -> {
            out[0] = (x[0] - 3) * (x[0] - 3);
            return new double[] {2 * (x[0] - 3)};
        };
        Recorded f = new Recorded(fn);
        Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {0}, new long[] {1}, 'c');
        assertThat(opt.step(x, f).total()).isEqualTo(9);
        assertThat(x.getDouble(0)).isCloseTo(1, within(1e-15));
        assertThat(f.fs).hasSize(2);
        assertThat(opt.step(x, f).total()).isCloseTo(4, within(1e-14));
        assertThat(x.getDouble(0)).isCloseTo(3, within(1e-12));
        assertThat(f.fs).hasSize(3);
        assertThat(opt.converged()).as("the loss stopped changing only in the next iteration").isFalse();
        opt.step(x, f);
        assertThat(opt.converged()).isTrue();
        assertThat(x.getDouble(0)).isCloseTo(3, within(1e-12));
    }

    @Test
    void aTooShortFirstStepIsExtendedUntilTheCurvatureConditionHolds() {
        // f = (x − 50)², x0 = 0: the first length 1/100 reaches x = 1, where the slope is still almost the initial one,
        // so the search extrapolates (at most 10× per probe) to a point meeting both conditions.
        LbfgsTwoLoopTest.Fn fn = (x, out) -> {
            out[0] = (x[0] - 50) * (x[0] - 50);
            return new double[] {2 * (x[0] - 50)};
        };
        Recorded f = new Recorded(fn);
        Lbfgs opt = new Lbfgs(1.0, 5, true, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {0}, new long[] {1}, 'c');
        opt.step(x, f);
        assertThat(f.xs.get(1)[0]).isCloseTo(1, within(1e-12));
        assertThat(f.xs.get(2)[0]).as("the extrapolated probe is clamped to 10× the step: x = 10").isCloseTo(10, within(1e-9));
        double xa = x.getDouble(0);
        assertThat(Math.abs(2 * (xa - 50))).isLessThanOrEqualTo(0.9 * 100);
        assertThat(f.fs).hasSize(3);
        assertThat(xa).isCloseTo(10, within(1e-9));
    }

    @Test
    void anOvershootIsBracketedAndZoomedInto() {
        // lr = 40 from 0, where g = −2.4: the first probe x = 40·min(1, 1/2.4)·2.4 = 40 overshoots (f rises), so the
        // minimum lies in [0, 40]: zooming must find a point meeting both conditions inside it.
        LbfgsTwoLoopTest.Fn fn = (x, out) -> {
            out[0] = (x[0] - 1) * (x[0] - 1) + 0.1 * Math.pow(x[0] - 1, 4);
            return new double[] {2 * (x[0] - 1) + 0.4 * Math.pow(x[0] - 1, 3)};
        };
        Recorded f = new Recorded(fn);
        Lbfgs opt = new Lbfgs(40, 5, true, 1e-7, 1e-9);
        INDArray x = Nd4j.create(new double[] {0}, new long[] {1}, 'c');
        opt.step(x, f);
        assertThat(f.xs.get(1)[0]).isCloseTo(40, within(1e-12));
        assertThat(f.fs.size()).isGreaterThan(2);
        double xa = x.getDouble(0);
        double g0 = -2.4, f0 = 1.1;
        assertThat(xa).isBetween(0.0, 40.0);
        assertThat(f.fs.get(f.indexOf(new double[] {xa}))).isLessThanOrEqualTo(f0 + 1e-4 * g0 * xa);
        assertThat(Math.abs(fn.gradient(new double[] {xa}, new double[1])[0])).isLessThanOrEqualTo(0.9 * 2.4);
        for (int i = 2; i < f.xs.size(); i++) assertThat(f.xs.get(i)[0]).as("probe %d inside the bracket", i).isBetween(0.0, 40.0);
    }
}
