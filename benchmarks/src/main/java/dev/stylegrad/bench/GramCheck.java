package dev.stylegrad.bench;

import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Prints, for each Gram shape, every {@link GramKernels} variant's GFLOP/s (2·C²·M over the best of a few timed
 * runs; not a JMH measurement, for orientation) and its error against a float64 reference.
 *
 * <pre>
 * benchmarks/run.sh --main dev.stylegrad.bench.GramCheck [--repeats N] [CxM ...]   (default: all nine VGG shapes)
 * </pre>
 */
public final class GramCheck {
    private GramCheck() {}

    public static void main(String[] args) {
        int repeats = 3;
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeats")) repeats = Integer.parseInt(args[++i]);
            else if (args[i].startsWith("-")) {
                System.err.println("usage: GramCheck [--repeats N] [CxM ...]");
                System.exit(2);
            } else shapes.add(args[i]);
        }
        if (shapes.isEmpty()) {
            for (int side : new int[] {256, 512}) {
                for (VggShapes.Feature f : VggShapes.styleFeatures(side)) if (!shapes.contains(f.param())) shapes.add(f.param());
            }
        }
        BenchSupport.reportBackendOnce();
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads, BenchSupport.daemonThreads("gram-java"));
        System.out.printf(Locale.ROOT, "%-11s %-14s %10s %9s %12s%n", "shape", "variant", "ms (best)", "GFLOP/s", "max rel err");
        try {
            for (String shape : shapes) {
                int[] s = VggShapes.parseShape(shape);
                int c = s[0], m = s[1];
                double flops = 2.0 * c * c * (double) m;
                float[] fj = GramKernels.randomFeatures(c, m, 42);
                double[] ref = GramKernels.reference(fj, c, m);
                INDArray f2 = Nd4j.create(fj, new long[] {c, m}, 'c');
                INDArray f3 = f2.reshape('c', 1, c, m);
                INDArray out = Nd4j.create(DataType.FLOAT, c, c);
                float[] outJ = new float[c * c];

                checkScoped(shape, "onednnMatmul", repeats, flops, ref, () -> GramKernels.library(f3));
                checkScoped(shape, "nd4jGemm", repeats, flops, ref, () -> GramKernels.gemm(f3));
                double t = best(repeats, () -> GramKernels.syrk(f2, out, true));
                print(shape, "syrk+mirror", t, flops, GramKernels.maxRelError(out.reshape(c * c).toFloatVector(), ref));
                t = best(repeats, () -> GramKernels.java(fj, c, m, outJ, pool, threads));
                print(shape, "javaBlocked", t, flops, GramKernels.maxRelError(outJ, ref));
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("# GFLOP/s counts 2*C^2*M for every variant (syrk does about half of that work); timings are a best-of-"
                + repeats + " wall clock, not JMH");
    }

    /** Times and checks a variant whose result lives in a memory scope, as in a style step. */
    private static void checkScoped(String shape, String variant, int repeats, double flops, double[] ref,
            java.util.function.Supplier<INDArray> gram) {
        double t = best(repeats, () -> {
            try (MemoryScope scope = MemoryScope.open("gram-check")) {
                gram.get();
            }
        });
        float[] g;
        try (MemoryScope scope = MemoryScope.open("gram-check")) {
            g = gram.get().reshape(ref.length).toFloatVector();
        }
        print(shape, variant, t, flops, GramKernels.maxRelError(g, ref));
    }

    /** Seconds of the fastest of {@code repeats} runs after one untimed warm-up run. */
    private static double best(int repeats, Runnable body) {
        body.run();
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static void print(String shape, String variant, double seconds, double flops, double err) {
        System.out.printf(Locale.ROOT, "%-11s %-14s %10.3f %9.2f %12.2e%n", shape, variant, seconds * 1e3, flops / seconds / 1e9, err);
    }
}
