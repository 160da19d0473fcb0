package dev.stylegrad.bench;

import dev.stylegrad.autograd.OpTimes;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Precision;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times N style steps ({@link StyleStep}) after W warm-up steps at one size, for {@code benchmarks/compare.sh}, which
 * runs it alternately with {@code benchmarks/torch_step.py}; both print the same lines to stdout:
 *
 * <pre>
 * step K SECONDS [minflt=F user_s=U sys_s=S]   one line per timed step (page faults and CPU time of the step, Linux)
 * summary impl=stylegrad size=N steps=N warmup=W median_s=… min_s=… model_gflop=… gflops=… peak_rss_mb=… setup_s=…
 * </pre>
 *
 * model_gflop is {@link VggShapes#stepFlops} (convolutions and Grams, forward and input gradient), gflops that over
 * the median; peak_rss_mb is this process's VmHWM. Usage:
 * {@code StepTimer [--size N] [--steps N] [--warmup W] [--seed S] [--precision fp32|bf16] [--profile]}; {@code --profile}
 * prints per-op forward/backward times ({@link OpTimes}) to stderr; the summary line says {@code precision=bf16} when
 * not fp32.
 */
public final class StepTimer {
    private StepTimer() {}

    public static void main(String[] args) throws IOException {
        int size = 256, steps = 5, warmup = 2;
        long seed = 42;
        boolean profile = false;
        Precision precision = Precision.FP32;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--profile")) {
                profile = true;
                continue;
            }
            if (i + 1 >= args.length) usage("missing value after " + a);
            String v = args[++i];
            switch (a) {
                case "--size" -> size = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--precision" -> precision = Precision.parse(v);
                default -> usage("unknown option " + a);
            }
        }
        if (size < 32 || steps < 1 || warmup < 0) usage("need --size >= 32 (five poolings), --steps >= 1, --warmup >= 0");
        System.err.println("# " + Backend.current().report());
        long t0 = System.nanoTime();
        String unavailable = precision.unavailableReason();
        if (unavailable != null) {
            System.err.println("StepTimer: " + unavailable);
            System.exit(2);
        }
        StyleStep step = StyleStep.create(size, seed, precision);
        double setup = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "# after setup: peak RSS %.0f MB%n", BenchSupport.peakRssBytes() / 1048576.0);
        for (int i = 0; i < warmup; i++) {
            step.step();
            System.err.printf(Locale.ROOT, "# after warm-up step %d: peak RSS %.0f MB%n", i, BenchSupport.peakRssBytes() / 1048576.0);
        }
        OpTimes.enable(profile);
        double[] times = new double[steps];
        double[] faults = new double[steps];
        for (int i = 0; i < steps; i++) {
            double[] before = BenchSupport.processCounters();
            long s = System.nanoTime();
            step.step();
            times[i] = (System.nanoTime() - s) / 1e9;
            double[] after = BenchSupport.processCounters();
            String counters = "";
            if (before != null && after != null) {
                faults[i] = after[0] - before[0];
                counters = String.format(Locale.ROOT, " minflt=%d user_s=%.2f sys_s=%.2f", (long) faults[i],
                        after[1] - before[1], after[2] - before[2]);
            }
            System.out.printf(Locale.ROOT, "step %d %.6f%s%n", i, times[i], counters);
        }
        double[] sortedFaults = faults.clone();
        Arrays.sort(sortedFaults);
        if (profile) {
            System.err.printf(Locale.ROOT, "# op times summed over the %d timed steps (%.1f ms of step time in all):%n%s", steps,
                    Arrays.stream(times).sum() * 1e3, OpTimes.report());
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2;
        double flops = VggShapes.stepFlops(size);
        System.out.printf(Locale.ROOT, "summary impl=stylegrad%s size=%d steps=%d warmup=%d median_s=%.6f min_s=%.6f model_gflop=%.3f gflops=%.2f peak_rss_mb=%.1f setup_s=%.3f median_minflt=%d%n",
                precision == Precision.FP32 ? "" : " precision=" + precision.cliName(), size, steps, warmup, median, sorted[0], flops / 1e9, flops / median / 1e9, BenchSupport.peakRssBytes() / 1048576.0, setup,
                (long) sortedFaults[steps / 2]);
    }

    private static void usage(String problem) {
        System.err.println("StepTimer: " + problem + "\nusage: StepTimer [--size N] [--steps N] [--warmup W] [--seed S] [--precision fp32|bf16] [--profile]");
        System.exit(2);
    }
}
