package dev.stylegrad.bench;

import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.MemoryScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times {@link TransformerNet#apply} on one random picture of W×H pixels (model load excluded), for comparison with
 * {@code benchmarks/torch_apply.py} on the same weights. Usage: {@code ApplyTimer --model F.pth [--width 1024]
 * [--height 768] [--runs 5] [--warmup 2] [--profile]}; {@code --profile} prints per-op times to stderr; prints "run K SECONDS" lines and a summary line like torch_apply.py's, with the first picture's time
 * in this fresh process ({@code first_s}, a warm-up run when there is one).
 */
public final class ApplyTimer {
    private ApplyTimer() {}

    public static void main(String[] args) throws IOException {
        Path model = null;
        int width = 1024, height = 768, runs = 5, warmup = 2;
        boolean profile = java.util.Arrays.asList(args).contains("--profile");
        if (profile) args = java.util.Arrays.stream(args).filter(a -> !a.equals("--profile")).toArray(String[]::new);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[i + 1]);
                case "--width" -> width = Integer.parseInt(args[i + 1]);
                case "--height" -> height = Integer.parseInt(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (model == null || args.length % 2 != 0) usage("--model is required");
        System.err.println("# " + Backend.current().report());
        TransformerNet net = TransformerNet.load(model).freeze(); // as `stylegrad apply` loads it
        Nd4j.getRandom().setSeed(0);
        INDArray picture = Nd4j.rand(DataType.FLOAT, 1, 3, height, width).muli(255);
        double[] times = new double[runs];
        double first = 0;
        for (int i = 0; i < warmup + runs; i++) {
            if (i == warmup) dev.stylegrad.autograd.OpTimes.enable(profile);
            long t = System.nanoTime();
            try (MemoryScope scope = MemoryScope.open("apply-timer")) {
                net.apply(picture);
            }
            double s = (System.nanoTime() - t) / 1e9;
            if (i == 0) first = s;
            if (i >= warmup) {
                times[i - warmup] = s;
                System.out.printf(Locale.ROOT, "run %d %.6f%n", i - warmup, s);
            }
        }
        if (profile) System.err.print("# op times summed over the timed runs:\n" + dev.stylegrad.autograd.OpTimes.report());
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "summary impl=stylegrad width=%d height=%d runs=%d median_s=%.6f min_s=%.6f first_s=%.6f peak_rss_mb=%.1f%n",
                width, height, runs, sorted[runs / 2], sorted[0], first, BenchSupport.peakRssBytes() / 1048576.0);
    }

    private static void usage(String problem) {
        System.err.println("ApplyTimer: " + problem + "\nusage: ApplyTimer --model F.pth [--width 1024] [--height 768] [--runs 5] [--warmup 2]");
        System.exit(2);
    }
}
