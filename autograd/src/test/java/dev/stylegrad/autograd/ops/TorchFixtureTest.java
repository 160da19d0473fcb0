package dev.stylegrad.autograd.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.io.Npy;
import dev.stylegrad.tensor.Pool2dSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Compares {@link Ops} with PyTorch 1.13 on the fixtures that {@code src/test/fixtures/make_fixtures.py} wrote: for each
 * case the op's output and the gradient of {@code sum(out * r)} (r a random projection) with respect to every input.
 * Everything is float32. The fixtures are committed, so this test needs no Python.
 *
 * <p>Relative error, as used throughout: {@code max|actual − expected| / max|expected|}, a norm-wise (max-abs)
 * relative error over the whole array, so single elements near zero do not dominate. The bound is 1e-5.
 */
class TorchFixtureTest {
    /** Surefire runs in the module directory. */
    private static final Path FIXTURES = Path.of("src/test/fixtures");
    private static final double TOLERANCE = 1e-5;

    /** Every op of {@link Ops} must be checked against at least one fixture; "chain" is conv→relu→maxpool→gram→mse. */
    private static final Set<String> REQUIRED_OPS = Set.of("add", "sub", "mul", "div", "neg", "add_scalar", "mul_scalar",
            "pow", "square", "exp", "log", "sum", "mean", "reshape", "permute", "transpose", "slice", "box_dot", "concat", "matmul",
            "relu", "conv2d", "maxpool2d", "avgpool2d", "gram", "mse", "chain", "reflection_pad2d", "upsample_nearest2d",
            "instance_norm2d", "transformer_layers", "adain");

    private static final Map<String, Double> WORST = new TreeMap<>();

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() throws IOException {
        return caseDirs().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Fixture f = Fixture.load(dir);
            Result r = run(f, f.params);
            Map<String, Double> errors = new LinkedHashMap<>();
            errors.put("out", compare(f.name, "out", r.out, f.out));
            for (String g : f.grads) {
                errors.put("grad_" + g, compare(f.name, "grad_" + g, r.tensors.get(g).grad(), f.expectedGrads.get(g)));
            }
            double worst = errors.values().stream().mapToDouble(d -> d).max().orElse(0);
            WORST.put(f.name, worst);
            System.out.printf("TorchFixtureTest %-34s worst rel. error %.2e  [%s]%n", f.name, worst,
                    errors.entrySet().stream().map(e -> String.format("%s %.1e", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
            errors.forEach((what, err) -> assertThat(err)
                    .as("%s: %s relative error max|a-b|/max|b| vs PyTorch", f.name, what).isLessThanOrEqualTo(TOLERANCE));
        }));
    }

    /** The comparison has teeth: flipping count_include_pad on the padded average-pool cases must be caught. */
    @ParameterizedTest
    @ValueSource(strings = {"avgpool2d_pad_include", "avgpool2d_pad_exclude"})
    void wrongCountIncludePadIsDetected(String name) throws IOException {
        Fixture f = Fixture.load(FIXTURES.resolve(name));
        Properties wrong = new Properties();
        wrong.putAll(f.params);
        wrong.setProperty("countIncludePad", String.valueOf(!Boolean.parseBoolean(f.params.getProperty("countIncludePad"))));
        Result r = run(f, wrong);
        double outErr = relativeError(r.out, f.out);
        double gradErr = relativeError(r.tensors.get("x").grad(), f.expectedGrads.get("x"));
        System.out.printf("TorchFixtureTest %-34s with countIncludePad flipped: rel. error out %.2e, grad_x %.2e (must fail)%n",
                name, outErr, gradErr);
        assertThat(outErr).as("%s out with countIncludePad flipped", name).isGreaterThan(1e-2);
        assertThat(gradErr).as("%s grad_x with countIncludePad flipped", name).isGreaterThan(1e-2);
    }

    /** The comparison has teeth: a different convolution geometry with the same output shape must be caught. */
    @Test
    void wrongConvGeometryIsDetected() throws IOException {
        // For a 3x3 kernel at stride 1, dilation 2 with padding 2 gives the same output size as dilation 1 with padding
        // 1, so only the values can tell the two apart.
        Fixture f = Fixture.load(FIXTURES.resolve("conv2d_bias_same"));
        Properties wrong = new Properties();
        wrong.putAll(f.params);
        wrong.setProperty("pad", "2,2");
        wrong.setProperty("dilation", "2,2");
        Result r = run(f, wrong);
        assertThat(r.out.shape()).isEqualTo(f.out.shape());
        double err = relativeError(r.out, f.out);
        System.out.printf("TorchFixtureTest %-34s with dilation 2 / pad 2: rel. error out %.2e (must fail)%n", f.name, err);
        assertThat(err).isGreaterThan(1e-2);
    }

    @Test
    void fixturesCoverEveryOp() throws IOException {
        Set<String> ops = new TreeSet<>();
        for (Path dir : caseDirs()) ops.add(Fixture.readParams(dir).getProperty("op"));
        assertThat(ops).as("ops with a PyTorch fixture in %s", FIXTURES.toAbsolutePath()).containsAll(REQUIRED_OPS);
    }

    @AfterAll
    static void summary() {
        if (WORST.isEmpty()) return;
        System.out.println("TorchFixtureTest summary (worst rel. error per case, bound " + TOLERANCE + "):");
        WORST.forEach((name, err) -> System.out.printf("  %-34s %.2e%n", name, err));
        System.out.printf("  %-34s %.2e%n", "(max over all cases)", WORST.values().stream().mapToDouble(d -> d).max().orElse(0));
    }

    // ------------------------------------------------------------------------------------------------------- running

    private record Result(INDArray out, Map<String, Tensor> tensors) {}

    /** Runs the fixture's op with the given settings, then backward from {@code sum(out * r)}. */
    private static Result run(Fixture f, Properties p) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : f.inputs.entrySet()) {
            t.put(e.getKey(), f.grads.contains(e.getKey()) ? Tensor.parameter(e.getValue()) : Tensor.constant(e.getValue()));
        }
        List<Tensor> in = new ArrayList<>(t.values());
        String op = p.getProperty("op");
        Tensor out = switch (op) {
            case "add" -> Ops.add(in.get(0), in.get(1));
            case "sub" -> Ops.sub(in.get(0), in.get(1));
            case "mul" -> Ops.mul(in.get(0), in.get(1));
            case "div" -> Ops.div(in.get(0), in.get(1));
            case "neg" -> Ops.neg(in.get(0));
            case "add_scalar" -> Ops.add(in.get(0), dbl(p, "c"));
            case "mul_scalar" -> Ops.mul(in.get(0), dbl(p, "c"));
            case "pow" -> Ops.pow(in.get(0), dbl(p, "p"));
            case "square" -> Ops.square(in.get(0));
            case "exp" -> Ops.exp(in.get(0));
            case "log" -> Ops.log(in.get(0));
            case "relu" -> Ops.relu(in.get(0));
            case "sum" -> ints(p, "axes").length == 0 ? Ops.sum(in.get(0)) : Ops.sum(in.get(0), bool(p, "keepDims"), ints(p, "axes"));
            case "mean" -> ints(p, "axes").length == 0 ? Ops.mean(in.get(0)) : Ops.mean(in.get(0), bool(p, "keepDims"), ints(p, "axes"));
            case "reshape" -> Ops.reshape(in.get(0), longs(p, "shape"));
            case "permute" -> Ops.permute(in.get(0), ints(p, "order"));
            case "transpose" -> Ops.transpose(in.get(0), integer(p, "axisA"), integer(p, "axisB"));
            case "slice" -> Ops.slice(in.get(0), longs(p, "begin"), longs(p, "end"));
            case "box_dot" -> Ops.boxDot(in.get(0), in.get(1), longs(p, "begin"), longs(p, "end"));
            case "concat" -> Ops.concat(integer(p, "axis"), in.toArray(Tensor[]::new));
            case "matmul" -> Ops.matmul(in.get(0), in.get(1));
            case "conv2d" -> Ops.conv2d(in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null, conv(p, ""));
            case "maxpool2d" -> Ops.maxPool2d(in.get(0), pool(p, ""));
            case "avgpool2d" -> Ops.avgPool2d(in.get(0), pool(p, ""));
            case "gram" -> Ops.gram(in.get(0));
            case "mse" -> Ops.mse(in.get(0), in.get(1));
            case "reflection_pad2d" -> {
                int[] pad = ints(p, "pad");
                yield Ops.reflectionPad2d(in.get(0), pad[0], pad[1], pad[2], pad[3]);
            }
            case "upsample_nearest2d" -> Ops.upsampleNearest2d(in.get(0), integer(p, "factor"));
            case "instance_norm2d" -> in.size() == 1 ? Ops.instanceNorm2d(in.get(0)) : Ops.instanceNorm2d(in.get(0), in.get(1), in.get(2));
            case "adain" -> Ops.adaIn(in.get(0), in.get(1));
            case "transformer_layers" -> {
                Tensor y = Ops.relu(Ops.instanceNorm2d(Ops.conv2d(Ops.reflectionPad2d(t.get("x"), 1, 1, 1, 1), t.get("w1"), t.get("b1"),
                        Conv2dSpec.of(2, 0, 1)), t.get("g1"), t.get("h1")));
                y = Ops.upsampleNearest2d(y, 2);
                yield Ops.instanceNorm2d(Ops.conv2d(Ops.reflectionPad2d(y, 1, 1, 1, 1), t.get("w2"), t.get("b2"), Conv2dSpec.of(1, 0, 1)),
                        t.get("g2"), t.get("h2"));
            }
            case "chain" -> Ops.mse(Ops.gram(Ops.maxPool2d(Ops.relu(
                    Ops.conv2d(t.get("x"), t.get("w"), t.get("b"), conv(p, "conv."))), pool(p, "pool."))), t.get("target"));
            default -> throw new IllegalArgumentException(f.name + ": unknown op '" + op + "' in params.properties");
        };
        Tensor loss = Ops.sum(Ops.mul(out, Tensor.constant(f.r)));
        loss.backward();
        return new Result(out.value(), t);
    }

    private static Conv2dSpec conv(Properties p, String prefix) {
        int[] s = ints(p, prefix + "stride"), pad = ints(p, prefix + "pad"), d = ints(p, prefix + "dilation");
        return new Conv2dSpec(s[0], s[1], pad[0], pad[1], d[0], d[1]);
    }

    private static Pool2dSpec pool(Properties p, String prefix) {
        int[] k = ints(p, prefix + "kernel"), s = ints(p, prefix + "stride"), pad = ints(p, prefix + "pad");
        boolean include = Boolean.parseBoolean(p.getProperty(prefix + "countIncludePad", "true"));
        return new Pool2dSpec(k[0], k[1], s[0], s[1], pad[0], pad[1], include);
    }

    // ---------------------------------------------------------------------------------------------------- comparing

    /** Asserts that {@code actual} exists and has torch's dtype and shape; returns its relative error. */
    private static double compare(String name, String what, INDArray actual, INDArray expected) {
        assertThat(actual).as("%s: %s was not computed", name, what).isNotNull();
        assertThat(actual.dataType()).as("%s: %s dtype", name, what).isEqualTo(DataType.FLOAT);
        assertThat(actual.shape()).as("%s: %s shape", name, what).isEqualTo(expected.shape());
        return relativeError(actual, expected);
    }

    /** {@code max|a − b| / max|b|} over all elements (plain {@code max|a − b|} if b is all zeros), in double. */
    static double relativeError(INDArray actual, INDArray expected) {
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] b = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        assertThat(a.length).isEqualTo(b.length);
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        if (Arrays.stream(a).anyMatch(Double::isNaN)) return Double.NaN; // fails every bound below
        return scale == 0 ? diff : diff / scale;
    }

    // ------------------------------------------------------------------------------------------------------ fixtures

    private static List<Path> caseDirs() throws IOException {
        assertThat(FIXTURES).as("fixture directory (run from the autograd module)").isDirectory();
        try (Stream<Path> s = Files.list(FIXTURES)) {
            List<Path> dirs = s.filter(d -> Files.isRegularFile(d.resolve("params.properties"))).sorted().collect(Collectors.toList());
            assertThat(dirs).as("fixture cases in %s", FIXTURES.toAbsolutePath()).isNotEmpty();
            return dirs;
        }
    }

    /** One case directory: its inputs (in order), the names needing gradients, and torch's results. */
    private record Fixture(String name, Properties params, Map<String, INDArray> inputs, List<String> grads, INDArray out,
            INDArray r, Map<String, INDArray> expectedGrads) {

        static Fixture load(Path dir) throws IOException {
            Properties p = readParams(dir);
            Map<String, INDArray> inputs = new LinkedHashMap<>();
            for (String name : names(p, "inputs")) inputs.put(name, read(dir, name));
            List<String> grads = names(p, "grads");
            Map<String, INDArray> expectedGrads = new LinkedHashMap<>();
            for (String g : grads) expectedGrads.put(g, read(dir, "grad_" + g));
            return new Fixture(dir.getFileName().toString(), p, inputs, grads, read(dir, "out"), read(dir, "r"), expectedGrads);
        }

        static Properties readParams(Path dir) throws IOException {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(dir.resolve("params.properties"))) {
                p.load(r);
            }
            return p;
        }

        private static INDArray read(Path dir, String name) throws IOException {
            INDArray a = Npy.read(dir.resolve(name + ".npy"));
            assertThat(a.dataType()).as("%s/%s.npy dtype", dir.getFileName(), name).isEqualTo(DataType.FLOAT);
            return a;
        }

        private static List<String> names(Properties p, String key) {
            String v = p.getProperty(key, "").trim();
            return v.isEmpty() ? List.of() : List.of(v.split("\\s*,\\s*"));
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) throw new IllegalArgumentException("params.properties has no '" + key + "'");
        return v.trim();
    }

    private static int[] ints(Properties p, String key) {
        String v = required(p, key);
        return v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static long[] longs(Properties p, String key) {
        return Arrays.stream(ints(p, key)).asLongStream().toArray();
    }

    private static int integer(Properties p, String key) {
        return Integer.parseInt(required(p, key));
    }

    private static double dbl(Properties p, String key) {
        return Double.parseDouble(required(p, key));
    }

    private static boolean bool(Properties p, String key) {
        return Boolean.parseBoolean(required(p, key));
    }
}
