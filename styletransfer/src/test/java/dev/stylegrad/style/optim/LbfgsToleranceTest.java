package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Lbfgs}'s tolerances at and around their values: {@code toleranceChange} as the shortest step and the smallest
 * loss change that count as progress, as the shortest bracket worth zooming into (measured along d, so in units of
 * x) and as the least steepness a quasi-Newton direction must have; and the 1e-10 floor on a curvature pair's sᵀy.
 * The one-dimensional objectives report a value and a slope per point (see {@link LbfgsLineSearchBoundaryTest}).
 */
class LbfgsToleranceTest {
    static LbfgsLineSearchTest.Recorded startThen(double f0, double g0, double probe, double[] atProbe) {
        return LbfgsLineSearchBoundaryTest.scripted(x -> x == 0 ? new double[] {f0, g0} : x == probe ? atProbe : new double[] {f0 - 0.5, g0 / 2});
    }

    @Test
    void aStepAtMostToleranceChangeLongEndsTheRun() {
        // Slope −2 at 0, so d = 2, and lr = 0.5: the first step length is min(1, 1/2)·0.5 = 0.25, which moves x by
        // 0.25·max|d| = 0.5 (accepted by the line search; the loss falls by 10, so only the step can stop the run).
        // The run stops when that is ≤ toleranceChange, with or without line search.
        for (boolean strongWolfe : new boolean[] {true, false}) {
            for (double tolerance : new double[] {0.5, Math.nextDown(0.5)}) {
                LbfgsLineSearchTest.Recorded f = startThen(10, -2, 0.5, new double[] {0, -0.5});
                Lbfgs opt = new Lbfgs(0.5, 5, strongWolfe, 1e-7, tolerance);
                INDArray x = LbfgsLineSearchBoundaryTest.zero();
                opt.step(x, f);
                assertThat(x.getDouble(0)).isEqualTo(0.5);
                assertThat(opt.converged()).as("line search %s, tolerance %s", strongWolfe, tolerance).isEqualTo(tolerance == 0.5);
            }
        }
    }

    @Test
    void aLossChangeBelowToleranceChangeEndsTheRun() {
        // lr = 2 from slope −1: a step of 2 > toleranceChange = 1, accepted; the loss falls from 10 to 9.5 (by less
        // than 1: converged), to 9 (by exactly 1: not), to 8 (not).
        for (double after : new double[] {9.5, 9, 8}) {
            LbfgsLineSearchTest.Recorded f = startThen(10, -1, 2, new double[] {after, -0.5});
            Lbfgs opt = new Lbfgs(2, 5, true, 1e-7, 1);
            INDArray x = LbfgsLineSearchBoundaryTest.zero();
            opt.step(x, f);
            assertThat(x.getDouble(0)).isEqualTo(2);
            assertThat(opt.converged()).as("loss 10 → %s", after).isEqualTo(after == 9.5);
        }
    }

    @Test
    void theZoomStopsOnceTheBracketIsNoLongerThanToleranceChangeAlongD() {
        // Slope −1, lr = 1: the probe at 1 overshoots (f = 2), bracket [0, 1], 1 long in x. With toleranceChange = 1
        // there is nothing left to zoom into: the search stays at the start and the run has converged.
        LbfgsLineSearchTest.Recorded unit = startThen(1, -1, 1, new double[] {2, 1});
        Lbfgs opt = new Lbfgs(1, 5, true, 1e-7, 1);
        INDArray x = LbfgsLineSearchBoundaryTest.zero();
        opt.step(x, unit);
        assertThat(unit.xs).hasSize(2);
        assertThat(x.getDouble(0)).isZero();
        assertThat(opt.converged()).isTrue();

        // Slope −2: d = 2, the first step 0.5 reaches x = 1 and overshoots; the bracket [0, 0.5] in step lengths is
        // 1 long in x, more than toleranceChange = 0.5, so the zoom probes inside it (and accepts 0.5, slope −1 there).
        LbfgsLineSearchTest.Recorded twice = startThen(1, -2, 1, new double[] {2, 1});
        Lbfgs opt2 = new Lbfgs(1, 5, true, 1e-7, 0.5);
        INDArray y = LbfgsLineSearchBoundaryTest.zero();
        opt2.step(y, twice);
        assertThat(twice.xs).hasSize(3);
        assertThat(y.getDouble(0)).isStrictlyBetween(0.0, 1.0).isEqualTo(twice.xs.get(2)[0]);
    }

    /** f = x²/2 (gradient x) at x = 1, after a restored first iteration that left x where it was (so no pair). */
    private static double stepWithRestoredScale(double hDiag, double toleranceChange, Lbfgs[] out) {
        Map<String, Object> s = LbfgsFallbackTest.restoredAfterOneIteration(hDiag, LbfgsFallbackTest.vec(1),
                LbfgsFallbackTest.vec(1), LbfgsFallbackTest.vec(1));
        s.put("pairs", 0L);
        Lbfgs opt = new Lbfgs(1, 5, false, 1e-7, toleranceChange);
        opt.restore(s);
        INDArray x = LbfgsFallbackTest.vec(1);
        opt.step(x, LbfgsTwoLoopTest.objective((v, value) -> {
            value[0] = v[0] * v[0] / 2;
            return new double[] {v[0]};
        }, null));
        out[0] = opt;
        return x.getDouble(0);
    }

    @Test
    void aDirectionShallowerThanToleranceChangeIsReplacedBySteepestDescent() {
        // g = 1; a scale of 0.25 gives d = −0.25, gᵀd = −0.25, shallower than −toleranceChange = −0.5: the curvature
        // is dropped and the fixed step 1 goes along −g to 0. A scale of 0.5 gives gᵀd = −0.5, exactly the bound, and
        // is kept: the step ends at 0.5.
        Lbfgs[] opt = new Lbfgs[1];
        assertThat(stepWithRestoredScale(0.25, 0.5, opt)).isZero();
        assertThat(opt[0].state().get("hDiag")).isEqualTo(1.0);
        assertThat(stepWithRestoredScale(0.5, 0.5, opt)).isEqualTo(0.5);
        assertThat(opt[0].state().get("hDiag")).isEqualTo(0.5);
    }

    @Test
    void aCurvaturePairWithSTyOfExactlyTheFloorIsRefused() {
        // Restored xPrev = 0, gPrev = 0; at x = 1 the gradient is 1e-10, so s = 1, y = 1e-10, sᵀy = 1e-10: refused
        // (a pair needs sᵀy > 1e-10). The direction stays −g (scale 1) and the fixed step 1 moves x by 1e-10.
        // With 2⁻³² ≈ 2.3e-10 (exact in binary) the pair is kept: H = s/y makes the direction −1, the step lands on 0.
        for (double gradient : new double[] {1e-10, 0x1p-32}) {
            Map<String, Object> s = LbfgsFallbackTest.restoredAfterOneIteration(1, LbfgsFallbackTest.vec(0), LbfgsFallbackTest.vec(0),
                    LbfgsFallbackTest.vec(0));
            s.put("pairs", 0L);
            Lbfgs opt = new Lbfgs(1, 5, false, 1e-12, 1e-12);
            opt.restore(s);
            INDArray x = LbfgsFallbackTest.vec(1);
            opt.step(x, LbfgsTwoLoopTest.objective((v, value) -> {
                value[0] = gradient * v[0];
                return new double[] {gradient};
            }, null));
            boolean kept = gradient > 1e-10;
            assertThat(opt.state().get("pairs")).as("sᵀy = %s", gradient).isEqualTo(kept ? 1L : 0L);
            assertThat(x.getDouble(0)).isEqualTo(kept ? 0 : 1 - gradient);
        }
    }
}
