package dev.stylegrad.autograd;

import dev.stylegrad.autograd.ops.Ops;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float64 gradient check, as PyTorch's {@code gradcheck}: the analytic gradient of {@code sum(f(x) * R)} for a
 * random projection R, computed by {@link Tensor#backward()}, against central differences (eps 1e-6) of the same
 * scalar, element by element, passing when {@code |analytic - numeric| <= atol + rtol * |numeric|} (atol 1e-5, rtol
 * 1e-3). A failure names the input, the worst element's index and both values.
 *
 * <p>Every check appends one line to {@code target/gradcheck.log}, so a build's worst error can be quoted.
 */
public final class GradCheck {
    public static final double EPS = 1e-6;
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-3;

    private GradCheck() {}

    /** The worst element of one check. {@code ratio} is the error over its tolerance: below 1 passes. */
    public record Report(String name, double worstAbsError, double worstRelError, double ratio, String where, int elements) {
        public boolean passed() {
            return ratio <= 1.0;
        }
    }

    /** Checks the gradients of every input (all of which must be float64). Throws {@link AssertionError} on failure. */
    public static Report check(String name, Function<Tensor[], Tensor> f, INDArray... inputs) {
        boolean[] all = new boolean[inputs.length];
        Arrays.fill(all, true);
        return check(name, f, all, inputs);
    }

    /** Checks the gradients of the inputs marked in {@code needsGrad}; the others are constants. */
    public static Report check(String name, Function<Tensor[], Tensor> f, boolean[] needsGrad, INDArray... inputs) {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dataType() != DataType.DOUBLE) {
                throw new IllegalArgumentException("GradCheck " + name + ": input " + i + " must be float64, is " + inputs[i].dataType());
            }
        }
        Tensor[] tensors = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) tensors[i] = needsGrad[i] ? Tensor.parameter(inputs[i]) : Tensor.constant(inputs[i]);
        Tensor out = f.apply(tensors);
        INDArray projection = random(1234, out.shape());
        Ops.sum(Ops.mul(out, Tensor.constant(projection))).backward();

        double worstRatio = 0, worstAbs = 0, worstRel = 0;
        String where = "-";
        int elements = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (!needsGrad[i]) {
                if (tensors[i].grad() != null) throw new AssertionError(name + ": constant input " + i + " received a gradient");
                continue;
            }
            INDArray analytic = tensors[i].grad();
            if (analytic == null) analytic = Nd4j.zeros(DataType.DOUBLE, inputs[i].shape()); // input did not affect the output
            if (!Arrays.equals(analytic.shape(), inputs[i].shape())) {
                throw new AssertionError(name + ": gradient of input " + i + " has shape " + Arrays.toString(analytic.shape())
                        + " but the input has " + Arrays.toString(inputs[i].shape()));
            }
            INDArray flat = inputs[i].reshape(-1); // a view: perturbing it perturbs the input
            INDArray analyticFlat = analytic.dup('c').reshape(-1);
            for (long k = 0; k < flat.length(); k++) {
                double orig = flat.getDouble(k);
                flat.putScalar(k, orig + EPS);
                double plus = projected(f, inputs, projection);
                flat.putScalar(k, orig - EPS);
                double minus = projected(f, inputs, projection);
                flat.putScalar(k, orig);
                double numeric = (plus - minus) / (2 * EPS);
                double a = analyticFlat.getDouble(k);
                double err = Math.abs(a - numeric);
                double ratio = err / (ATOL + RTOL * Math.abs(numeric));
                elements++;
                worstAbs = Math.max(worstAbs, err);
                if (Math.abs(numeric) > ATOL) worstRel = Math.max(worstRel, err / Math.abs(numeric));
                if (ratio > worstRatio || where.equals("-")) {
                    worstRatio = ratio;
                    where = "input " + i + " " + Arrays.toString(unravel(k, inputs[i].shape())) + ": analytic " + a + ", numeric " + numeric;
                }
            }
        }
        Report report = new Report(name, worstAbs, worstRel, worstRatio, where, elements);
        log(report);
        if (!report.passed()) {
            throw new AssertionError("gradient check " + name + " failed: worst element at " + where + " (|error| " + worstAbs
                    + ", " + String.format("%.2f", worstRatio) + "x the tolerance atol " + ATOL + " + rtol " + RTOL + "·|numeric|)");
        }
        return report;
    }

    private static double projected(Function<Tensor[], Tensor> f, INDArray[] inputs, INDArray projection) {
        Tensor[] constants = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) constants[i] = Tensor.constant(inputs[i]);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return f.apply(constants).value().mul(projection).sumNumber().doubleValue();
        }
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    private static synchronized void log(Report r) {
        try {
            Path file = Path.of("target", "gradcheck.log");
            Files.createDirectories(file.getParent());
            Files.writeString(file, String.format("%s\tmaxAbsErr=%.3e\tmaxRelErr=%.3e\ttolRatio=%.4f\telements=%d\tworst=%s%n",
                    r.name(), r.worstAbsError(), r.worstRelError(), r.ratio(), r.elements(), r.where()),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The log is a convenience for quoting numbers; a failed write must not fail the check.
        }
    }

    /** Uniform random float64 values in [-1, 1), from a seeded generator. */
    public static INDArray random(long seed, long... shape) {
        java.util.Random rng = new java.util.Random(seed);
        double[] data = new double[(int) dev.stylegrad.tensor.Shapes.size(shape)];
        for (int i = 0; i < data.length; i++) data[i] = rng.nextDouble() * 2 - 1;
        return shape.length == 0 ? Nd4j.scalar(data[0]) : Nd4j.create(data, shape, 'c');
    }
}
