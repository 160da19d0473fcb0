package dev.stylegrad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * CI's only JMH run: every benchmark method of every class once, in this JVM (no fork), with no warm-up, one short
 * measurement and the smallest shapes, so it proves the benchmarks run and produce scores in seconds, not how fast
 * anything is.
 */
class BenchmarksSmokeTest {
    /** The bf16 variants run only where the CPU has bfloat16 instructions; elsewhere they are left out, not failed. */
    private static final boolean BF16 = dev.stylegrad.tensor.Precision.BF16.unavailableReason() == null;

    @Test
    void gramBenchmarkRuns() throws RunnerException {
        assertScores(run(GramBenchmark.class, Map.of("shape", "512x256")), BF16 ? 6 : 5);
    }

    @Test
    void convBenchmarkRuns() throws RunnerException {
        // conv5_1 at a 64² input works on 4×4 maps: every variant, almost no time.
        assertScores(run(ConvBenchmark.class, Map.of("layer", "conv5_1", "side", "64")), BF16 ? 11 : 9); // incl. the libnd4j variants
    }

    @Test
    void styleStepBenchmarkRuns() throws RunnerException {
        // 32² is the smallest input that reaches relu5_1 (2×2 there).
        assertScores(run(StyleStepBenchmark.class, Map.of("side", "32")), 1);
    }

    private static Collection<RunResult> run(Class<?> benchmark, Map<String, String> params) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        if (!BF16) o.exclude("Bf16$");
        params.forEach(o::param);
        return new Runner(o.build()).run();
    }

    private static void assertScores(Collection<RunResult> results, int methods) {
        List<String> seen = new ArrayList<>();
        for (RunResult r : results) {
            double score = r.getPrimaryResult().getScore();
            String label = r.getParams().getBenchmark() + " " + r.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + r.getParams().getParam(k)).toList();
            System.out.printf("smoke (not a measurement): %s %.4g %s%n", label, score, r.getPrimaryResult().getScoreUnit());
            assertThat(score).as(label).isPositive().isFinite();
            seen.add(label);
        }
        assertThat(seen).hasSize(methods);
    }
}
