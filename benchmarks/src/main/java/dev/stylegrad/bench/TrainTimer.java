package dev.stylegrad.bench;

import dev.stylegrad.style.feedforward.Trainer;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times {@link Trainer#step} (fast_neural_style's training step: the transformer, VGG16 to relu4_3, the reference's
 * losses, Adam) on a random batch of B pictures of S×S pixels, for comparison with {@code benchmarks/torch_train.py} on
 * the same weights (its {@code --save-random DIR}). Usage: {@code TrainTimer --weights DIR [--size 256] [--batch 4]
 * [--steps 5] [--warmup 2] [--loss-network vgg16|vgg19] [--loss-weights F] [--images DIR] [--profile]} (another loss network's
 * weights instead of the random VGG16's; the first batch of a folder's pictures instead of random pixels); prints "step K SECONDS" lines and a summary line like torch_train.py's.
 */
public final class TrainTimer {
    private TrainTimer() {}

    public static void main(String[] args) throws IOException {
        Path dir = null, lossWeights = null;
        String arch = "vgg16";
        Path images = null;
        int size = 256, batch = 4, steps = 5, warmup = 2;
        boolean profile = Arrays.asList(args).contains("--profile");
        if (profile) args = Arrays.stream(args).filter(a -> !a.equals("--profile")).toArray(String[]::new);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--weights" -> dir = Path.of(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--loss-weights" -> lossWeights = Path.of(args[i + 1]);
                case "--loss-network" -> arch = args[i + 1];
                case "--images" -> images = Path.of(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (dir == null || args.length % 2 != 0) usage("--weights DIR is required (torch_train.py --save-random DIR writes it)");
        System.err.println("# " + Backend.current().report());
        TransformerNet net = TransformerNet.load(dir.resolve("transformer.pth"));
        Vgg vgg = Vgg.load(arch.equals("vgg19") ? Vgg.Architecture.VGG19 : Vgg.Architecture.VGG16,
                lossWeights != null ? lossWeights : dir.resolve("vgg16_features.pth"), "relu4_3", Vgg.Pooling.MAX);
        Nd4j.getRandom().setSeed(0);
        INDArray style = Nd4j.rand(DataType.FLOAT, 1, 3, size, size).muli(255);
        INDArray x = images == null ? Nd4j.rand(DataType.FLOAT, batch, 3, size, size).muli(255)
                : dev.stylegrad.style.feedforward.TrainingImages.under(images, size, Long.MAX_VALUE, null, (f, why) -> {}).next(batch);
        Trainer trainer = new Trainer(net, vgg, style, Trainer.STYLE_LAYERS, Trainer.CONTENT_LAYER, 1e5, 1e10, 1e-3);
        double[] times = new double[steps];
        long reserved = 0, peakLent = 0;
        for (int i = 0; i < warmup + steps; i++) {
            if (i == warmup) dev.stylegrad.autograd.OpTimes.enable(profile);
            long t = System.nanoTime();
            try (MemoryScope scope = MemoryScope.open("train-timer")) {
                trainer.step(x);
                reserved = scope.reservedBytes();
                peakLent = scope.peakLentBytes();
            }
            double s = (System.nanoTime() - t) / 1e9;
            if (i >= warmup) {
                times[i - warmup] = s;
                System.out.printf(Locale.ROOT, "step %d %.6f%n", i - warmup, s);
            }
        }
        if (profile) System.err.print("# op times summed over the timed steps:\n" + dev.stylegrad.autograd.OpTimes.report());
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "summary impl=stylegrad size=%d batch=%d steps=%d median_s=%.6f min_s=%.6f peak_rss_mb=%.1f pool_mb=%.1f pool_peak_lent_mb=%.1f%n",
                size, batch, steps, sorted[steps / 2], sorted[0], BenchSupport.peakRssBytes() / 1048576.0, reserved / 1048576.0, peakLent / 1048576.0);
    }

    private static void usage(String problem) {
        System.err.println("TrainTimer: " + problem + "\nusage: TrainTimer --weights DIR [--size 256] [--batch 4] [--steps 5] [--warmup 2] [--profile]");
        System.exit(2);
    }
}
