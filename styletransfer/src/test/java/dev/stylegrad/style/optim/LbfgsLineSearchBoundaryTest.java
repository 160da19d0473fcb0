package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Lbfgs}'s strong-Wolfe line search exactly at its thresholds, where a strict and a non-strict comparison part
 * ways: both Wolfe conditions met with equality (Nocedal &amp; Wright's ≤), the sufficient-decrease constant
 * c1·t·gᵀd = 1e-4·t·gᵀd in both phases, the zoom's 10% safeguard at either end of its bracket (measured from the
 * bracket's ends, not from the start), the budget of 25 probes in each phase, and ties between equally low points.
 * The one-dimensional objectives report a value and a slope per point, chosen so that the doubles compared tie
 * exactly; each run starts at x = 0 with slope −1 (so the direction is d = 1 and a probe at step length t is the
 * point x = t) unless it says otherwise.
 */
class LbfgsLineSearchBoundaryTest {
    /** A one-dimensional objective from {value, slope} as a function of x, recording the points it is asked for. */
    static LbfgsLineSearchTest.Recorded scripted(DoubleFunction<double[]> valueAndSlope) {
        return new LbfgsLineSearchTest.Recorded((x, out) -> {
            double[] vs = valueAndSlope.apply(x[0]);
            out[0] = vs[0];
            return new double[] {vs[1]};
        });
    }

    /** Value 1 and slope −1 at x = 0, {@code atProbe} at x = {@code probe}, {@code elsewhere} at every other x. */
    static LbfgsLineSearchTest.Recorded startThen(double probe, double[] atProbe, DoubleFunction<double[]> elsewhere) {
        return scripted(x -> x == 0 ? new double[] {1, -1} : x == probe ? atProbe : elsewhere.apply(x));
    }

    /**
     * A first probe at x = 1 that decreases (0.5) with the slope still −1, so the search extrapolates to
     * (1.01 + 10)/2 = 5.505 (the cubic through the two points has no minimum); every x beyond 5 reports
     * {@code far}, every other x (the zoom's probes inside [1, 5.505]) {@code inside}.
     */
    static LbfgsLineSearchTest.Recorded decreaseThen(double[] far, double[] inside) {
        return scripted(x -> x == 0 ? new double[] {1, -1} : x == 1 ? new double[] {0.5, -1} : x > 5 ? far : inside);
    }

    /** Runs one iteration from x = 0 with step {@code lr}; returns the optimizer, x holding the accepted point. */
    static Lbfgs iterate(LbfgsLineSearchTest.Recorded f, double lr, INDArray x) {
        Lbfgs opt = new Lbfgs(lr, 5, true, 1e-7, 1e-9);
        opt.step(x, f);
        assertThat(opt.evaluations()).isEqualTo(f.xs.size());
        return opt;
    }

    /** The points probed after the start, in order. */
    static double[] probes(LbfgsLineSearchTest.Recorded f) {
        return f.xs.subList(1, f.xs.size()).stream().mapToDouble(p -> p[0]).toArray();
    }

    /** The same objective on plain doubles, through the reference search of {@link LbfgsProbeSequenceTest}. */
    static void assertMatchesReference(LbfgsLineSearchTest.Recorded f, double lr) {
        List<Double> want = LbfgsProbeSequenceTest.referenceProbes(t -> valueAndSlope(f, t)[0], t -> valueAndSlope(f, t)[1], 0, lr);
        double d = -valueAndSlope(f, 0)[1];
        double[] got = probes(f);
        assertThat(got).hasSize(want.size());
        for (int i = 0; i < got.length; i++) assertThat(got[i]).as("probe %d", i + 1).isEqualTo(d * want.get(i));
    }

    private static double[] valueAndSlope(LbfgsLineSearchTest.Recorded f, double x) {
        double[] value = new double[1];
        double slope = f.fn.gradient(new double[] {x}, value)[0];
        return new double[] {value[0], slope};
    }

    static INDArray zero() {
        return Nd4j.create(new double[] {0}, new long[] {1}, 'c');
    }

    @Test
    void aFirstProbeExactlyOnTheSufficientDecreaseLineIsAccepted() {
        // f(1) = f0 + c1·t·gᵀd with t = 1, gᵀd = −1, computed in the search's own order; slope −0.5 meets curvature.
        LbfgsLineSearchTest.Recorded f = startThen(1, new double[] {1 + 1e-4 * 1.0 * -1.0, -0.5}, x -> new double[] {0, 0});
        INDArray x = zero();
        iterate(f, 1, x);
        assertThat(probes(f)).containsExactly(1);
        assertThat(x.getDouble(0)).isEqualTo(1);
    }

    @Test
    void aZoomProbeExactlyOnTheSufficientDecreaseLineIsAccepted() {
        // lr = 10 overshoots (f = 2), so the zoom probes inside [0, 10], where every point lies on the line.
        LbfgsLineSearchTest.Recorded f = startThen(10, new double[] {2, 1}, t -> new double[] {1 + 1e-4 * t * -1.0, -0.5});
        INDArray x = zero();
        iterate(f, 10, x);
        double[] probes = probes(f);
        assertThat(probes).hasSize(2);
        assertThat(probes[1]).isStrictlyBetween(1.0, 9.0);
        assertThat(x.getDouble(0)).isEqualTo(probes[1]);
        assertMatchesReference(f, 10);
    }

    @Test
    void theSufficientDecreaseTestAsksForC1TimesThePredictedDecrease() {
        // Slope −2 at 0: d = 2, gᵀd = −4, first t = min(1, 1/2)·1 = 0.5 reaches x = 1, where c1·t·gᵀd = −2e-4.
        // A decrease of 5e-4 passes (accepted at once); one of 1e-4 does not, so the search zooms into [0, 1].
        DoubleFunction<double[]> inside = t -> new double[] {0.5, -1};
        LbfgsLineSearchTest.Recorded enough = scripted(t -> t == 0 ? new double[] {1, -2} : t == 1 ? new double[] {1 - 5e-4, -1} : inside.apply(t));
        INDArray x = zero();
        iterate(enough, 1, x);
        assertThat(probes(enough)).containsExactly(1);
        assertThat(x.getDouble(0)).isEqualTo(1);

        LbfgsLineSearchTest.Recorded tooLittle = scripted(t -> t == 0 ? new double[] {1, -2} : t == 1 ? new double[] {1 - 1e-4, -1} : inside.apply(t));
        INDArray y = zero();
        iterate(tooLittle, 1, y);
        double[] probes = probes(tooLittle);
        assertThat(probes).hasSize(2);
        assertThat(probes[1]).isStrictlyBetween(0.0, 1.0);
        assertThat(y.getDouble(0)).isEqualTo(probes[1]);
        assertMatchesReference(tooLittle, 1);
    }

    @Test
    void theZoomsSufficientDecreaseTestAsksForC1TimesThePredictedDecreaseToo() {
        // Slope −2 at 0 and lr = 1: the probe at x = 1 (t = 0.5) overshoots, so the zoom probes step lengths t in
        // (0, 0.5), where the value is 1 − k·1e-4·t and the slope −1 (meeting curvature). The test asks for a
        // decrease of c1·t·|gᵀd₀| = 4e-4·t: k = 8 is accepted at the first zoom probe; k = 1 never is, so the zoom
        // closes in on 0 and the search ends at its lowest point, the first zoom probe.
        for (int k : new int[] {8, 1}) {
            LbfgsLineSearchTest.Recorded f = scripted(x -> x == 0 ? new double[] {1, -2} : x == 1 ? new double[] {2, 1}
                    : new double[] {1 - k * 1e-4 * (x / 2), -1});
            INDArray x = zero();
            iterate(f, 1, x);
            double[] probes = probes(f);
            assertThat(probes[1]).isStrictlyBetween(0.1, 0.9);
            if (k == 8) assertThat(probes).hasSize(2);
            else assertThat(probes.length).isGreaterThan(10);
            assertThat(x.getDouble(0)).isEqualTo(probes[1]);
            assertMatchesReference(f, 1);
        }
    }

    @Test
    void aSlopeExactlyAtTheCurvatureBoundIsAccepted() {
        // |gᵀd| = 0.9 = c2·|gᵀd₀|: accepted at the first probe, and likewise at a zoom probe.
        LbfgsLineSearchTest.Recorded first = startThen(1, new double[] {0.5, -0.9}, t -> new double[] {0.25, 0});
        INDArray x = zero();
        iterate(first, 1, x);
        assertThat(probes(first)).containsExactly(1);
        assertThat(x.getDouble(0)).isEqualTo(1);

        LbfgsLineSearchTest.Recorded zoomed = startThen(10, new double[] {2, 1}, t -> new double[] {0.5, -0.9});
        INDArray y = zero();
        iterate(zoomed, 10, y);
        assertThat(probes(zoomed)).hasSize(2);
        assertThat(y.getDouble(0)).isEqualTo(probes(zoomed)[1]);
        assertMatchesReference(zoomed, 10);
    }

    @Test
    void theZoomKeepsAnInterpolatedPointExactlyTenPercentFromAnEnd() {
        // (x − 1)²/2 with lr = 10: the bracket is [0, 10] and the cubic through its ends lands on x = 1, exactly the
        // safeguard's margin 0.1·10 from 0, which is still inside: probed as is, and it is the minimum.
        LbfgsLineSearchTest.Recorded low = scripted(t -> new double[] {(t - 1) * (t - 1) / 2, t - 1});
        INDArray x = zero();
        iterate(low, 10, x);
        assertThat(probes(low)).containsExactly(10, 1);
        assertThat(x.getDouble(0)).isEqualTo(1);

        // At the other end: x = 10 is lower than the start with slope 2 (> c2), so the bracket is [10, 0]; the cubic
        // through (0, 1, −1) and (10, f, 2) with f = −25.48148148148148 (the cubic whose minimum is at 9, rounded) has
        // its minimum at exactly 9 = 10 − 0.1·10.
        double a = 17.0 / 270, b = (1.0 / 9 - 27 * a) / 2;
        LbfgsLineSearchTest.Recorded high = scripted(t -> t == 0 ? new double[] {1, -1} : t == 10 ? new double[] {-25.48148148148148, 2}
                : new double[] {((a * t + b) * t - 1) * t + 1, (t - 9) * (3 * a * t + 1.0 / 9)});
        INDArray y = zero();
        iterate(high, 10, y);
        assertThat(probes(high)).containsExactly(10, 9);
        assertThat(y.getDouble(0)).isEqualTo(9);
    }

    @Test
    void theSafeguardMeasuresFromTheEndsOfABracketAwayFromTheStart() {
        // Bracket [1, 5.505] (margin 0.4505). With f = 10, slope 0 at 5.505 the cubic's minimum 1.288 is within the
        // margin of 1: the midpoint is probed instead. With f = 5 it is 1.5009, outside the margin: probed as is.
        LbfgsLineSearchTest.Recorded near = decreaseThen(new double[] {10, 0}, new double[] {0.25, 0});
        iterate(near, 1, zero());
        double hi = (1.01 + 10) / 2;
        assertThat(probes(near)).containsExactly(1, hi, (1 + hi) / 2);

        LbfgsLineSearchTest.Recorded clear = decreaseThen(new double[] {5, 0}, new double[] {0.25, 0});
        iterate(clear, 1, zero());
        double cubic = Lbfgs.cubicMinimum(1, 0.5, -1, hi, 5, 0, 1, hi);
        assertThat(cubic - 1).isStrictlyBetween(0.1 * (hi - 1), 0.1 * (hi + 1));
        assertThat(probes(clear)).containsExactly(1, hi, cubic);
    }

    @Test
    void anInterpolationCloseToTheFarEndOfTheBracketIsReplacedByTheMidpoint() {
        // lr = 10: x = 10 is lower (−20) with slope 1 (> c2), so the bracket is [10, 0]; the cubic through its ends
        // has its minimum at 9.27, within 0.1·10 of 10: the zoom probes the midpoint 5 instead (and accepts it).
        LbfgsLineSearchTest.Recorded f = startThen(10, new double[] {-20, 1}, t -> new double[] {-30, 0});
        assertThat(Lbfgs.cubicMinimum(10, -20, 1, 0, 1, -1, 0, 10)).isStrictlyBetween(9.0, 10.0);
        INDArray x = zero();
        iterate(f, 10, x);
        assertThat(probes(f)).containsExactly(10, 5);
        assertThat(x.getDouble(0)).isEqualTo(5);
    }

    @Test
    void aValueRisingBetweenTwoProbesBracketsEvenBelowTheSufficientDecreaseLine() {
        // 0.5 at x = 1, then 0.6 (or 0.5 again) at 5.505: still far below f0 + c1·t·gᵀd, but not lower than the
        // previous probe, so a minimum lies between them; the zoom's first probe (value 0.25, slope 0) is accepted.
        for (double far : new double[] {0.6, 0.5}) {
            LbfgsLineSearchTest.Recorded f = decreaseThen(new double[] {far, -1}, new double[] {0.25, 0});
            INDArray x = zero();
            iterate(f, 1, x);
            double[] probes = probes(f);
            assertThat(probes).as("value %s at 5.505", far).hasSize(3);
            assertThat(probes[2]).isStrictlyBetween(1.0, 5.505);
            assertThat(x.getDouble(0)).isEqualTo(probes[2]);
            assertMatchesReference(f, 1);
        }
    }

    @Test
    void equallyLowPointsKeepTheFirstAndAZoomProbeAsLowAsTheBracketsLowEndIsNotProgress() {
        // 0.5 at x = 1, a rise at 5.505, and 0.5 with slope −0.5 (meeting curvature) everywhere between: a zoom
        // probe no lower than the bracket's low end only shrinks the bracket, until it is shorter than 1e-9; the search
        // then takes its lowest point, the first one seen of those at 0.5.
        LbfgsLineSearchTest.Recorded f = decreaseThen(new double[] {3, 1}, new double[] {0.5, -0.5});
        INDArray x = zero();
        Lbfgs opt = iterate(f, 1, x);
        assertThat(probes(f).length).isGreaterThan(10);
        assertThat(x.getDouble(0)).isEqualTo(1);
        assertThat(opt.converged()).as("it moved").isFalse();
        assertMatchesReference(f, 1);
    }

    @Test
    void anExhaustedZoomEndsAtItsLowestProbe() {
        // |x − 0.7| with slopes ±1: no point meets the curvature condition; the zoom closes in on 0.7 until the bracket
        // is shorter than 1e-9, and the iterate is the lowest point probed, one of the zoom's.
        LbfgsLineSearchTest.Recorded f = scripted(t -> new double[] {Math.abs(t - 0.7), t < 0.7 ? -1 : 1});
        INDArray x = zero();
        iterate(f, 1, x);
        int lowest = 0;
        for (int i = 1; i < f.fs.size(); i++) if (f.fs.get(i) < f.fs.get(lowest)) lowest = i;
        assertThat(lowest).as("a zoom probe, after the start and the first probe").isGreaterThan(1);
        assertThat(x.getDouble(0)).isEqualTo(f.xs.get(lowest)[0]);
        assertThat(Math.abs(x.getDouble(0) - 0.7)).isLessThan(1e-8);
    }

    @Test
    void eachPhaseOfTheSearchStopsAfterTwentyFiveProbes() {
        // 1 − x with slope −1: every probe is lower, none flattens, so the extrapolation runs its 25 probes and
        // stops at the last, lowest one.
        LbfgsLineSearchTest.Recorded line = scripted(t -> new double[] {1 - t, -1});
        INDArray x = zero();
        Lbfgs opt = iterate(line, 1, x);
        assertThat(probes(line)).hasSize(25);
        assertThat(x.getDouble(0)).isEqualTo(probes(line)[24]);
        assertThat(opt.converged()).isFalse();
        assertMatchesReference(line, 1);

        // 2 everywhere but the start, slope −1: the first probe brackets [0, 1] and the zoom halves it 25 times
        // without finding anything lower; the search stays at the start and counts as converged.
        LbfgsLineSearchTest.Recorded wall = scripted(t -> t == 0 ? new double[] {1, -1} : new double[] {2, -1});
        INDArray y = zero();
        Lbfgs stuck = iterate(wall, 1, y);
        double[] probes = probes(wall);
        assertThat(probes).hasSize(1 + 25);
        assertThat(probes[25]).isEqualTo(Math.pow(0.5, 25));
        assertThat(y.getDouble(0)).isZero();
        assertThat(stuck.converged()).isTrue();
    }
}
