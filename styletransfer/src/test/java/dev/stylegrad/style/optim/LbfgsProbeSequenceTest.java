package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The points {@link Lbfgs}'s first strong-Wolfe line search probes, one by one, on one-dimensional functions chosen
 * to take every branch (extrapolation, a bracket found by the sufficient-decrease test, by a rising slope or by an
 * infinite value, zooming that accepts, that swaps its ends, that runs out), against the search written out on
 * plain doubles from Nocedal & Wright algorithms 3.5 and 3.6 with the documented constants (c1 = 1e-4, c2 = 0.9,
 * 25 probes per phase, extrapolation to at most 10× the step, zoom steps kept 10% away from the bracket's ends).
 */
class LbfgsProbeSequenceTest {
    static final double C1 = 1e-4, C2 = 0.9, TOL_CHANGE = 1e-9;

    /** The step lengths probed by a strong-Wolfe search for φ(t) = f(x0 + t·d), starting at t0. */
    static List<Double> referenceProbes(DoubleUnaryOperator f, DoubleUnaryOperator df, double x0, double lr) {
        double g0 = df.applyAsDouble(x0), d = -g0, f0 = f.applyAsDouble(x0), gtd0 = g0 * d;
        double t = Math.min(1, 1 / Math.abs(g0)) * lr;
        List<Double> probes = new ArrayList<>();
        double prevT = 0, prevF = f0, prevGtd = gtd0;
        double lo = 0, hi = 0, fLo = f0, fHi = 0, gtdLo = gtd0, gtdHi = 0;
        boolean bracketed = false;
        for (int i = 0; i < 25; i++) {
            probes.add(t);
            double ft = f.applyAsDouble(x0 + d * t), gtd = df.applyAsDouble(x0 + d * t) * d;
            boolean finite = Double.isFinite(ft);
            if (!finite || ft > f0 + C1 * t * gtd0 || (i > 0 && ft >= prevF)) {
                lo = prevT; fLo = prevF; gtdLo = prevGtd;
                hi = t; fHi = finite ? ft : Double.MAX_VALUE; gtdHi = finite ? gtd : 0;
                bracketed = true;
                break;
            }
            if (Math.abs(gtd) <= -C2 * gtd0) return probes;
            if (gtd >= 0) {
                lo = t; fLo = ft; gtdLo = gtd;
                hi = prevT; fHi = prevF; gtdHi = prevGtd;
                bracketed = true;
                break;
            }
            double next = Lbfgs.cubicMinimum(prevT, prevF, prevGtd, t, ft, gtd, t + 0.01 * (t - prevT), t * 10);
            prevT = t; prevF = ft; prevGtd = gtd;
            t = next;
        }
        if (bracketed) {
            for (int i = 0; i < 25 && Math.abs(hi - lo) * Math.abs(d) > TOL_CHANGE; i++) {
                double a = Math.min(lo, hi), b = Math.max(lo, hi);
                double tj = Lbfgs.cubicMinimum(lo, fLo, gtdLo, hi, fHi, gtdHi, a, b);
                if (tj - a < 0.1 * (b - a) || b - tj < 0.1 * (b - a)) tj = (a + b) / 2;
                probes.add(tj);
                double ft = f.applyAsDouble(x0 + d * tj), gtd = df.applyAsDouble(x0 + d * tj) * d;
                boolean finite = Double.isFinite(ft);
                if (!finite || ft > f0 + C1 * tj * gtd0 || ft >= fLo) {
                    hi = tj; fHi = finite ? ft : Double.MAX_VALUE; gtdHi = finite ? gtd : 0;
                } else {
                    if (Math.abs(gtd) <= -C2 * gtd0) return probes;
                    if (gtd * (hi - lo) >= 0) {
                        hi = lo; fHi = fLo; gtdHi = gtdLo;
                    }
                    lo = tj; fLo = ft; gtdLo = gtd;
                }
            }
        }
        return probes;
    }

    static void assertSameProbes(String name, DoubleUnaryOperator f, DoubleUnaryOperator df, double x0, double lr) {
        List<Double> want = referenceProbes(f, df, x0, lr);
        LbfgsLineSearchTest.Recorded rec = new LbfgsLineSearchTest.Recorded((x, out) -> {
            out[0] = f.applyAsDouble(x[0]);
            return new double[] {df.applyAsDouble(x[0])};
        });
        Lbfgs opt = new Lbfgs(lr, 5, true, 1e-7, TOL_CHANGE);
        opt.step(Nd4j.create(new double[] {x0}, new long[] {1}, 'c'), rec);
        double d = -df.applyAsDouble(x0);
        assertThat(rec.xs).as(name + ": start + probes").hasSize(want.size() + 1);
        for (int i = 0; i < want.size(); i++) {
            double x = x0 + d * want.get(i);
            assertThat(rec.xs.get(i + 1)[0]).as(name + ": probe " + (i + 1)).isCloseTo(x, within(1e-12 * (1 + Math.abs(x))));
        }
    }

    @Test
    void probesFollowTheReferenceSearch() {
        DoubleUnaryOperator quartic = x -> (x - 1) * (x - 1) + 0.1 * Math.pow(x - 1, 4);
        DoubleUnaryOperator dQuartic = x -> 2 * (x - 1) + 0.4 * Math.pow(x - 1, 3);
        for (double lr : new double[] {40, 8, 3, 1, 0.05}) assertSameProbes("quartic lr " + lr, quartic, dQuartic, 0, lr);

        // Non-convex: −cos(x) + 0.05x², minima near 0 and ±6; a long first step lands across a hill.
        DoubleUnaryOperator wave = x -> -Math.cos(x) + 0.05 * x * x;
        DoubleUnaryOperator dWave = x -> Math.sin(x) + 0.1 * x;
        for (double lr : new double[] {30, 12, 5, 2}) assertSameProbes("wave lr " + lr, wave, dWave, 1.2, lr);

        // A far minimum: extrapolation in several steps.
        DoubleUnaryOperator far = x -> Math.log(1 + (x - 200) * (x - 200));
        DoubleUnaryOperator dFar = x -> 2 * (x - 200) / (1 + (x - 200) * (x - 200));
        for (double lr : new double[] {1, 0.3}) assertSameProbes("far lr " + lr, far, dFar, 0, lr);

        // Infinite beyond a wall: the bracket's far end has no value.
        DoubleUnaryOperator wall = x -> x < 2.5 ? (x - 2) * (x - 2) : Double.POSITIVE_INFINITY;
        DoubleUnaryOperator dWall = x -> x < 2.5 ? 2 * (x - 2) : Double.NaN;
        for (double lr : new double[] {20, 3}) assertSameProbes("wall lr " + lr, wall, dWall, 0, lr);

        // Slope that never flattens: the zoom runs out.
        DoubleUnaryOperator kink = x -> Math.abs(x - 0.7);
        DoubleUnaryOperator dKink = x -> x < 0.7 ? -1 : 1;
        assertSameProbes("kink", kink, dKink, 0, 1);
    }
}
