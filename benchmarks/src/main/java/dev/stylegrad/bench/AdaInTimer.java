package dev.stylegrad.bench;

import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.style.adain.AdaInStylizer;
import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times {@link AdaInStylizer#stylize} (encode content and style, AdaIN, decode, clamp; model load excluded) on random
 * pictures, for comparison with {@code benchmarks/torch_adain.py} on the same networks. Usage: {@code AdaInTimer --vgg
 * VGG19.pth --decoder F.pth [--width 1024] [--height 768] [--style-width 646] [--style-height 512] [--runs 5]
 * [--warmup 2] [--profile]}; prints "run K SECONDS" lines and a summary line like torch_adain.py's.
 */
public final class AdaInTimer {
    private AdaInTimer() {}

    public static void main(String[] args) throws IOException {
        Path vgg = null, decoder = null;
        int width = 1024, height = 768, styleWidth = 646, styleHeight = 512, runs = 5, warmup = 2;
        boolean profile = Arrays.asList(args).contains("--profile");
        if (profile) args = Arrays.stream(args).filter(a -> !a.equals("--profile")).toArray(String[]::new);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--vgg" -> vgg = Path.of(args[i + 1]);
                case "--decoder" -> decoder = Path.of(args[i + 1]);
                case "--width" -> width = Integer.parseInt(args[i + 1]);
                case "--height" -> height = Integer.parseInt(args[i + 1]);
                case "--style-width" -> styleWidth = Integer.parseInt(args[i + 1]);
                case "--style-height" -> styleHeight = Integer.parseInt(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (vgg == null || decoder == null || args.length % 2 != 0) usage("--vgg and --decoder are required");
        System.err.println("# " + Backend.current().report());
        AdaInStylizer stylizer = AdaInStylizer.builder(AdaInEncoder.load(vgg), AdaInDecoder.load(decoder)).build();
        Nd4j.getRandom().setSeed(0);
        INDArray content = Nd4j.rand(DataType.FLOAT, 1, 3, height, width), style = Nd4j.rand(DataType.FLOAT, 1, 3, styleHeight, styleWidth);
        double[] times = new double[runs];
        for (int i = 0; i < warmup + runs; i++) {
            if (i == warmup) dev.stylegrad.autograd.OpTimes.enable(profile);
            long t = System.nanoTime();
            stylizer.stylize(content, List.of(style), null);
            double s = (System.nanoTime() - t) / 1e9;
            if (i >= warmup) {
                times[i - warmup] = s;
                System.out.printf(Locale.ROOT, "run %d %.6f%n", i - warmup, s);
            }
        }
        if (profile) System.err.print("# op times summed over the timed runs:\n" + dev.stylegrad.autograd.OpTimes.report());
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "summary impl=stylegrad width=%d height=%d runs=%d median_s=%.6f min_s=%.6f peak_rss_mb=%.1f%n",
                width, height, runs, sorted[runs / 2], sorted[0], BenchSupport.peakRssBytes() / 1048576.0);
    }

    private static void usage(String problem) {
        System.err.println("AdaInTimer: " + problem + "\nusage: AdaInTimer --vgg VGG19.pth --decoder F.pth [--width 1024] [--height 768] "
                + "[--style-width 646] [--style-height 512] [--runs 5] [--warmup 2] [--profile]");
        System.exit(2);
    }
}
