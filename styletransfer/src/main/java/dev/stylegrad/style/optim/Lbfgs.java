package dev.stylegrad.style.optim;

import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Limited-memory BFGS (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., algorithms 7.4 and 7.5), the optimizer of
 * Gatys et al. and of the classic style-transfer tools: the last {@code history} steps and gradient changes give a
 * quasi-Newton direction by the two-loop recursion, scaled by {@code sᵀy / yᵀy}. The step length is {@code lr}
 * (the first step {@code min(1, 1/‖g‖₁)·lr}), or, with {@code strongWolfe}, found by a line search satisfying the
 * strong Wolfe conditions (algorithms 3.5 and 3.6, cubic interpolation; c1 = 1e-4, c2 = 0.9).
 *
 * <p>Each {@link #step} is one iteration; it reports the losses at the iterate it started from. Without line search
 * an iteration costs one evaluation; with it, usually one or two.
 */
public final class Lbfgs implements Optimizer {
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH = 25;

    private final double lr;
    private final int history;
    private final boolean strongWolfe;
    private final double toleranceGrad;
    private final double toleranceChange;

    // Persistent state, allocated once outside every memory scope.
    private final ArrayDeque<INDArray[]> pairs = new ArrayDeque<>(); // {s, y}, oldest first
    private final ArrayDeque<Double> rhos = new ArrayDeque<>();
    private final List<INDArray[]> spare = new ArrayList<>();       // evicted pairs, reused
    private INDArray g, gPrev, xPrev, d, gBest;
    private double bestT;                 // best point of the running line search
    private Objective.Evaluation bestE;
    private double hDiag = 1;
    private Objective.Evaluation current; // at x, valid while haveCurrent
    private boolean haveCurrent;
    private boolean converged;
    private long iterations;
    private long evaluations;

    /** The history {@link #Lbfgs(double, boolean)} keeps. */
    public static final int DEFAULT_HISTORY = 100;

    /** L-BFGS with history 100, step {@code lr} (1.0 is the usual choice), and optionally a strong-Wolfe line search. */
    public Lbfgs(double lr, boolean strongWolfe) {
        this(lr, DEFAULT_HISTORY, strongWolfe);
    }

    /**
     * L-BFGS keeping the last {@code history} curvature pairs (each two arrays of the parameters' size: the memory
     * that matters for large pictures).
     */
    public Lbfgs(double lr, int history, boolean strongWolfe) {
        this(lr, history, strongWolfe, 1e-7, 1e-9);
    }

    public Lbfgs(double lr, int history, boolean strongWolfe, double toleranceGrad, double toleranceChange) {
        if (!(lr > 0)) throw new IllegalArgumentException("L-BFGS: learning rate must be positive, got " + lr);
        if (history < 1) throw new IllegalArgumentException("L-BFGS: history must be at least 1, got " + history);
        this.lr = lr;
        this.history = history;
        this.strongWolfe = strongWolfe;
        this.toleranceGrad = toleranceGrad;
        this.toleranceChange = toleranceChange;
    }

    @Override
    public Objective.Evaluation step(INDArray x, Objective objective) {
        if (g == null) allocate(x);
        if (!haveCurrent) {
            current = evaluate(objective, x, g);
            if (!current.isFinite()) return current;
            haveCurrent = true;
        }
        Objective.Evaluation atStart = current;
        if (converged) return atStart;
        try (MemoryScope scope = MemoryScope.open("lbfgs")) {
            if (g.amaxNumber().doubleValue() <= toleranceGrad) {
                converged = true;
                return atStart;
            }
            if (iterations > 0) remember(x);
            direction();
            double gtd = dot(g, d);
            if (gtd > -toleranceChange) { // not a descent direction: forget the curvature and go downhill
                pairs.forEach(spare::add);
                pairs.clear();
                rhos.clear();
                hDiag = 1;
                d.assign(g).negi();
                gtd = dot(g, d);
            }
            double t = iterations == 0 ? Math.min(1.0, 1.0 / g.norm1Number().doubleValue()) * lr : lr;
            xPrev.assign(x);
            gPrev.assign(g);
            if (strongWolfe) {
                double moved = lineSearch(x, objective, t, gtd, atStart.total());
                // Stop when neither the parameters nor the loss change any more (as PyTorch's LBFGS does).
                if (moved * d.amaxNumber().doubleValue() <= toleranceChange
                        || Math.abs(current.total() - atStart.total()) < toleranceChange) converged = true;
            } else {
                x.addi(d.mul(t));
                haveCurrent = false;
                if (t * d.amaxNumber().doubleValue() <= toleranceChange) converged = true;
            }
        }
        iterations++;
        return atStart;
    }

    /** s = x − xPrev, y = g − gPrev; kept if the curvature sᵀy is positive. */
    private void remember(INDArray x) {
        INDArray[] pair = spare.isEmpty() ? MemoryScope.outside(() -> new INDArray[] {x.ulike(), x.ulike()}) : spare.remove(spare.size() - 1);
        pair[0].assign(x).subi(xPrev);
        pair[1].assign(g).subi(gPrev);
        double ys = dot(pair[1], pair[0]);
        if (ys <= 1e-10) {
            spare.add(pair);
            return;
        }
        if (pairs.size() == history) {
            spare.add(pairs.removeFirst());
            rhos.removeFirst();
        }
        pairs.addLast(pair);
        rhos.addLast(1.0 / ys);
        hDiag = ys / dot(pair[1], pair[1]);
    }

    /** Two-loop recursion: d = −H·g. */
    private void direction() {
        d.assign(g).negi();
        int n = pairs.size();
        double[] alpha = new double[n];
        INDArray[][] ps = pairs.toArray(new INDArray[0][]);
        Double[] rs = rhos.toArray(new Double[0]);
        for (int i = n - 1; i >= 0; i--) {
            alpha[i] = rs[i] * dot(ps[i][0], d);
            d.subi(ps[i][1].mul(alpha[i]));
        }
        d.muli(hDiag);
        for (int i = 0; i < n; i++) {
            double beta = rs[i] * dot(ps[i][1], d);
            d.addi(ps[i][0].mul(alpha[i] - beta));
        }
    }

    /**
     * Finds a step along d from xPrev satisfying the strong Wolfe conditions; leaves x, g and {@code current} at the
     * accepted point and returns its step length.
     */
    private double lineSearch(INDArray x, Objective objective, double t, double gtd0, double f0) {
        double prevT = 0, prevF = f0, prevGtd = gtd0;
        bestT = 0;
        bestE = current;
        gBest.assign(g);
        double lo = 0, hi = 0, fLo = f0, fHi = 0, gtdLo = gtd0, gtdHi = 0;
        boolean bracketed = false;
        for (int i = 0; i < MAX_LINE_SEARCH; i++) {
            Objective.Evaluation e = probe(x, objective, t);
            double gtd = dot(g, d);
            noteBest(t, e);
            if (!e.isFinite() || e.total() > f0 + C1 * t * gtd0 || (i > 0 && e.total() >= prevF)) {
                lo = prevT; fLo = prevF; gtdLo = prevGtd;
                hi = t; fHi = e.isFinite() ? e.total() : Double.MAX_VALUE; gtdHi = e.isFinite() ? gtd : 0;
                bracketed = true;
                break;
            }
            if (Math.abs(gtd) <= -C2 * gtd0) {
                accept(e);
                return t;
            }
            if (gtd >= 0) {
                lo = t; fLo = e.total(); gtdLo = gtd;
                hi = prevT; fHi = prevF; gtdHi = prevGtd;
                bracketed = true;
                break;
            }
            double next = cubicMinimum(prevT, prevF, prevGtd, t, e.total(), gtd, t + 0.01 * (t - prevT), t * 10);
            prevT = t; prevF = e.total(); prevGtd = gtd;
            t = next;
        }
        if (bracketed) {
            double dMax = d.amaxNumber().doubleValue();
            for (int i = 0; i < MAX_LINE_SEARCH && Math.abs(hi - lo) * dMax > toleranceChange; i++) {
                double a = Math.min(lo, hi), b = Math.max(lo, hi);
                double tj = cubicMinimum(lo, fLo, gtdLo, hi, fHi, gtdHi, a, b);
                double margin = 0.1 * (b - a);
                if (tj - a < margin || b - tj < margin) tj = (a + b) / 2; // safeguard: stay inside the bracket
                Objective.Evaluation e = probe(x, objective, tj);
                double gtd = dot(g, d);
                noteBest(tj, e);
                if (!e.isFinite() || e.total() > f0 + C1 * tj * gtd0 || e.total() >= fLo) {
                    hi = tj; fHi = e.isFinite() ? e.total() : Double.MAX_VALUE; gtdHi = e.isFinite() ? gtd : 0;
                } else {
                    if (Math.abs(gtd) <= -C2 * gtd0) {
                        accept(e);
                        return tj;
                    }
                    if (gtd * (hi - lo) >= 0) {
                        hi = lo; fHi = fLo; gtdHi = gtdLo;
                    }
                    lo = tj; fLo = e.total(); gtdLo = gtd;
                }
            }
        }
        // No point met both conditions within the budget: take the best one seen (possibly the start).
        g.assign(gBest);
        x.assign(xPrev).addi(d.mul(bestT));
        current = bestE;
        haveCurrent = true;
        if (bestT == 0) converged = true;
        return bestT;
    }

    /** Remembers the lowest finite point of the current line search (x's gradient is in g). */
    private void noteBest(double t, Objective.Evaluation e) {
        if (e.isFinite() && e.total() < bestE.total()) {
            bestT = t;
            bestE = e;
            gBest.assign(g);
        }
    }

    private Objective.Evaluation probe(INDArray x, Objective objective, double t) {
        x.assign(xPrev).addi(d.mul(t));
        return evaluate(objective, x, g);
    }

    /** Accepts the point just probed: x and g already hold it. */
    private void accept(Objective.Evaluation e) {
        current = e;
        haveCurrent = true;
    }

    /** Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi]; the midpoint if none. */
    static double cubicMinimum(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
        double a = Math.min(lo, hi), b = Math.max(lo, hi);
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2sq = d1 * d1 - g1 * g2;
        if (d2sq < 0 || x1 == x2) return (a + b) / 2;
        double d2 = Math.sqrt(d2sq);
        double min = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
        if (!Double.isFinite(min)) return (a + b) / 2;
        return Math.min(Math.max(min, a), b);
    }

    private Objective.Evaluation evaluate(Objective objective, INDArray x, INDArray grad) {
        evaluations++;
        return objective.evaluate(x, grad);
    }

    private static double dot(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue();
    }

    private void allocate(INDArray x) {
        MemoryScope.outside(() -> {
            g = Nd4j.zeros(x.dataType(), x.shape());
            gPrev = g.ulike();
            xPrev = g.ulike();
            d = g.ulike();
            gBest = g.ulike();
            return null;
        });
    }

    @Override
    public long evaluations() {
        return evaluations;
    }

    @Override
    public boolean converged() {
        return converged;
    }

    /**
     * Everything the next iteration reads: counters, {@code hDiag}, the convergence flag, the curvature pairs with their
     * rho (oldest first), the previous iterate and gradient, and the gradient and losses at the current iterate (which
     * a line search leaves evaluated, so a resumed run need not evaluate again). The direction and the line-search
     * bests are rebuilt by every iteration before use, so they are left out.
     */
    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new HashMap<>();
        s.put("iterations", iterations);
        s.put("evaluations", evaluations);
        s.put("hDiag", hDiag);
        s.put("converged", converged);
        s.put("haveCurrent", haveCurrent);
        if (haveCurrent) {
            s.put("currentContent", current.content());
            s.put("currentStyle", current.style());
            s.put("currentTv", current.tv());
            s.put("currentTotal", current.total());
        }
        if (g != null) {
            MemoryScope.outside(() -> {
                s.put("g", g.dup());
                s.put("gPrev", gPrev.dup());
                s.put("xPrev", xPrev.dup());
                int i = 0;
                Double[] rs = rhos.toArray(new Double[0]);
                for (INDArray[] pair : pairs) {
                    s.put("s" + i, pair[0].dup());
                    s.put("y" + i, pair[1].dup());
                    s.put("rho" + i, rs[i]);
                    i++;
                }
                s.put("pairs", (long) i);
                return null;
            });
        }
        return s;
    }

    @Override
    public void restore(Map<String, Object> state) {
        iterations = StateMaps.number(state, "lbfgs", "iterations").longValue();
        evaluations = StateMaps.number(state, "lbfgs", "evaluations").longValue();
        hDiag = StateMaps.number(state, "lbfgs", "hDiag").doubleValue();
        converged = StateMaps.bool(state, "lbfgs", "converged");
        haveCurrent = StateMaps.bool(state, "lbfgs", "haveCurrent");
        current = !haveCurrent ? null : new Objective.Evaluation(StateMaps.number(state, "lbfgs", "currentContent").doubleValue(),
                StateMaps.number(state, "lbfgs", "currentStyle").doubleValue(), StateMaps.number(state, "lbfgs", "currentTv").doubleValue(),
                StateMaps.number(state, "lbfgs", "currentTotal").doubleValue());
        pairs.clear();
        rhos.clear();
        spare.clear();
        if (!state.containsKey("g")) {
            g = null; // not started yet: the first step allocates and evaluates
            haveCurrent = false;
            return;
        }
        INDArray sg = StateMaps.array(state, "lbfgs", "g");
        allocate(sg);
        g.assign(sg);
        gPrev.assign(StateMaps.array(state, "lbfgs", "gPrev"));
        xPrev.assign(StateMaps.array(state, "lbfgs", "xPrev"));
        int n = StateMaps.number(state, "lbfgs", "pairs").intValue();
        if (n < 0 || n > history) throw new IllegalArgumentException("lbfgs state: " + n + " curvature pairs, expected 0.." + history);
        for (int i = 0; i < n; i++) {
            INDArray si = StateMaps.array(state, "lbfgs", "s" + i), yi = StateMaps.array(state, "lbfgs", "y" + i);
            INDArray[] pair = MemoryScope.outside(() -> new INDArray[] {sg.ulike(), sg.ulike()});
            pair[0].assign(si);
            pair[1].assign(yi);
            pairs.addLast(pair);
            rhos.addLast(StateMaps.number(state, "lbfgs", "rho" + i).doubleValue());
        }
    }

    /** The number of curvature pairs kept. */
    public int history() {
        return history;
    }

    /** Closes every array (pairs, recycled pairs, gradients, iterates) and destroys this thread's "lbfgs" step scope. */
    @Override
    public void close() {
        for (INDArray[] pair : pairs) for (INDArray a : pair) a.close();
        for (INDArray[] pair : spare) for (INDArray a : pair) a.close();
        pairs.clear();
        rhos.clear();
        spare.clear();
        for (INDArray a : new INDArray[] {g, gPrev, xPrev, d, gBest}) if (a != null) a.close();
        g = gPrev = xPrev = d = gBest = null;
        MemoryScope.destroy("lbfgs");
    }

    @Override
    public String name() {
        return "lbfgs";
    }
}
