package dev.stylegrad.bench;

import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's measured float32 GEMM rate through ND4J ({@link Kernels#matmul}, square n×n, best of several runs),
 * the yardstick {@code compare.sh} reports step GFLOP/s against. Prints {@code gemm impl=nd4j n=N best_s=… gflops=…}.
 * Usage: {@code GemmPeak [--n N] [--repeats R]} (default 2048, 5).
 */
public final class GemmPeak {
    private GemmPeak() {}

    public static void main(String[] args) {
        int n = 2048, repeats = 5;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("usage: GemmPeak [--n N] [--repeats R]");
                    System.exit(2);
                }
            }
        }
        System.err.println("# " + Backend.current().report());
        Nd4j.getRandom().setSeed(1);
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n), b = Nd4j.rand(DataType.FLOAT, n, n);
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r <= repeats; r++) { // run 0 is a warm-up
            try (MemoryScope scope = MemoryScope.open("gemm-peak")) {
                long t0 = System.nanoTime();
                Kernels.matmul(a, b, false, false);
                double s = (System.nanoTime() - t0) / 1e9;
                if (r > 0) best = Math.min(best, s);
            }
        }
        System.out.printf(Locale.ROOT, "gemm impl=nd4j n=%d best_s=%.6f gflops=%.2f%n", n, best, 2.0 * n * n * n / best / 1e9);
    }
}
