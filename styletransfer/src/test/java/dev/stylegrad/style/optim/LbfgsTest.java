package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** L-BFGS on functions whose minimum is known. */
class LbfgsTest {
    /** Rosenbrock in n/2 independent pairs: minimum 0 at all ones; ill-conditioned, the classic test. */
    static final class Rosenbrock implements Objective {
        int evaluations;

        @Override
        public Evaluation evaluate(INDArray x, INDArray grad) {
            evaluations++;
            double[] v = x.toDoubleVector();
            double[] gr = new double[v.length];
            double f = 0;
            for (int i = 0; i < v.length; i += 2) {
                double a = v[i], b = v[i + 1];
                f += 100 * Math.pow(b - a * a, 2) + Math.pow(1 - a, 2);
                gr[i] = -400 * a * (b - a * a) - 2 * (1 - a);
                gr[i + 1] = 200 * (b - a * a);
            }
            grad.assign(Nd4j.create(gr, x.shape(), 'c'));
            return new Evaluation(0, f, 0, f);
        }
    }

    @Test
    void strongWolfeLbfgsSolvesRosenbrockInFewEvaluations() {
        INDArray x = Nd4j.create(new double[] {-1.2, 1, -1.2, 1, 0.5, -0.5}, new long[] {6}, 'c');
        Rosenbrock f = new Rosenbrock();
        Lbfgs opt = new Lbfgs(1.0, true);
        for (int i = 0; i < 200 && !opt.converged(); i++) opt.step(x, f);
        for (double v : x.toDoubleVector()) assertThat(v).isCloseTo(1.0, within(1e-4));
        assertThat(opt.evaluations()).isEqualTo(f.evaluations).isLessThan(150);
        System.out.println("L-BFGS Rosenbrock: " + opt.evaluations() + " evaluations");
    }

    @Test
    void adamFollowsPyTorchsUpdateRule() {
        // f(x) = sum(x²)/2, gradient x. One hand-computed Adam step from x0 = [1, -2]: m = 0.1·g, v = 0.001·g²,
        // x1 = x0 − lr/(1−0.9) · m / (√v/√(1−0.999) + ε) = x0 − lr·sign(g) (up to ε).
        INDArray x = Nd4j.create(new double[] {1, -2}, new long[] {2}, 'c').castTo(DataType.FLOAT);
        Objective f = (p, g) -> {
            g.assign(p);
            double v = p.mul(p).sumNumber().doubleValue() / 2;
            return new Objective.Evaluation(0, v, 0, v);
        };
        Adam adam = new Adam(0.1);
        Objective.Evaluation e = adam.step(x, f);
        assertThat(e.total()).isCloseTo(2.5, within(1e-6));
        assertThat(x.getDouble(0)).isCloseTo(0.9, within(1e-6));
        assertThat(x.getDouble(1)).isCloseTo(-1.9, within(1e-6));
        for (int i = 0; i < 2000; i++) adam.step(x, f);
        assertThat(x.amaxNumber().doubleValue()).isLessThan(1e-2);
    }
}
