package dev.stylegrad.cli;

import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.WeightsLocation;
import dev.stylegrad.style.adain.AdaInCheckpoint;
import dev.stylegrad.style.adain.AdaInTraining;
import dev.stylegrad.style.adain.AdaInTrainingPictures;
import dev.stylegrad.style.optim.Objective;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stylegrad train-adain}: trains an AdaIN decoder as pytorch-AdaIN's {@code train.py}, with checkpoints and exact resume. */
@Command(name = "train-adain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an AdaIN decoder (pytorch-AdaIN's train.py: its losses and defaults) on a folder of content pictures and one of style pictures; "
                + "`stylegrad adain --decoder OUT` then stylizes with any style.",
            "Each step takes --batch pictures of each folder in a seeded order per epoch, resized to --resize squared and cropped to --crop at seeded places. "
                + "Writes OUT, OUT.checkpoint.safetensors (every --save-every steps and at the end; --resume continues exactly), OUT.log.csv and OUT.losses.png. "
                + "Ctrl-C stops after the current step and saves."})
final class TrainAdaInCommand implements Callable<Integer> {
    @Option(names = "--content-dir", required = true, paramLabel = "DIR", description = "Content pictures (.png/.jpg/.jpeg, in DIR and below; the reference trains on MS-COCO).")
    Path contentDir;

    @Option(names = "--style-dir", required = true, paramLabel = "DIR", description = "Style pictures (the reference trains on WikiArt).")
    Path styleDir;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "The trained decoder (the reference's keys), written atomically.")
    Path out;

    @Option(names = "--vgg", paramLabel = "FILE", description = "The encoder: vgg_normalised.pth (default: in the weights location), or a torchvision VGG19 "
            + "(its 1x1 layer then does ImageNet's normalization).")
    Path vgg;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "160000", description = "Default: ${DEFAULT-VALUE} (the reference's).")
    long steps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-4", description = "Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--lr-decay", paramLabel = "D", defaultValue = "5e-5", description = "The rate at step i is lr / (1 + D i). Default: ${DEFAULT-VALUE}.")
    double lrDecay;

    @Option(names = "--content-weight", paramLabel = "W", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "W", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--resize", paramLabel = "N", defaultValue = "512", description = "Pictures are resized to NxN first. Default: ${DEFAULT-VALUE}.")
    int resize;

    @Option(names = "--crop", paramLabel = "N", defaultValue = "256", description = "Then cropped to NxN at a seeded place. Default: ${DEFAULT-VALUE}.")
    int crop;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seeds the decoder's start, the order and the crops. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "10000", description = "Write the decoder and the checkpoint every N steps. Default: ${DEFAULT-VALUE}.")
    long saveEvery;

    @Option(names = "--log-every", paramLabel = "N", defaultValue = "10", description = "Print progress every N steps. Default: ${DEFAULT-VALUE}.")
    long logEvery;

    @Option(names = "--resume", description = "Continue from OUT.checkpoint.safetensors (same settings and folders).")
    boolean resume;

    @picocli.CommandLine.Mixin
    ConvAlgorithmOption convAlgorithm = new ConvAlgorithmOption();

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + dev.stylegrad.style.image.ImageFiles.DEFAULT_MAX_PIXELS,
            description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) usage("--steps must be at least 1, got " + steps);
        if (batch < 1) usage("--batch must be at least 1, got " + batch);
        if (saveEvery < 1) usage("--save-every must be at least 1, got " + saveEvery);
        if (logEvery < 1) usage("--log-every must be at least 1, got " + logEvery);
        if (resize < 16) usage("--resize must be at least 16, got " + resize);
        convAlgorithm.apply();
        AdaInTraining.Settings settings = new AdaInTraining.Settings(lr, lrDecay, contentWeight, styleWeight);
        if (Files.isDirectory(out)) throw new BadInputException("--out " + out + ": is a folder; give the decoder's file name (.safetensors)");
        Path checkpoint = sibling(".checkpoint.safetensors"), log = sibling(".log.csv"), plot = sibling(".losses.png");
        if (!resume && Files.exists(checkpoint)) {
            usage(checkpoint + " exists: give --resume to continue that training, or another --out (nothing is overwritten)");
        }
        OutputPreflight.check(List.of(new OutputPreflight.Planned(out, 64L << 20, "the decoder"), new OutputPreflight.Planned(checkpoint, 200L << 20, "the checkpoint")));
        AdaInTrainingPictures contents = AdaInTrainingPictures.under(contentDir, resize, crop, seed, maxPixels, this::skipped);
        AdaInTrainingPictures styles = AdaInTrainingPictures.under(styleDir, resize, crop, seed + 1, maxPixels, this::skipped);
        Path encoderFile = WeightsLocation.resolveAdaIn(vgg, false);
        if (!Files.isRegularFile(encoderFile)) throw new BadInputException(WeightsLocation.howToGetAdaIn(encoderFile, false));
        AdaInEncoder encoder = AdaInEncoder.load(encoderFile);
        int[] w = encoder.widths();
        AdaInDecoder decoder = AdaInDecoder.create(w[0], w[1], w[2], w[3], seed);
        AdaInTraining training = new AdaInTraining(encoder, decoder, settings);
        double[] identity = AdaInCheckpoint.identity(settings, batch, resize, crop, seed, contents.files().size(), styles.files().size());
        if (resume) {
            AdaInCheckpoint.restore(checkpoint, training, decoder.parameters(), identity);
            System.err.printf(Locale.ROOT, "stylegrad: resumed %s at step %d of %d%n", checkpoint, training.iteration(), steps);
        }
        System.err.printf(Locale.ROOT, "stylegrad: training a decoder of widths %d, %d, %d, %d on %d content and %d style pictures, batch %d of %dx%d crops%n",
                w[0], w[1], w[2], w[3], contents.files().size(), styles.files().size(), batch, crop, crop);
        List<Objective.Evaluation> history = readLog(log, training.iteration());
        if (resume && Files.isRegularFile(log)) { // steps logged after the checkpoint are taken again: their lines go
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                String first = line.split(",")[0];
                if (!first.matches("[0-9]+") || Long.parseLong(first) <= training.iteration()) kept.add(line);
            }
            Files.write(log, kept);
        }
        InterruptHook hook = InterruptHook.install(() -> stop = true, 120);
        try (Progress progress = Progress.steps("train-adain", steps, logEvery);
             BufferedWriter csv = Files.newBufferedWriter(log, StandardOpenOption.CREATE, resume ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            if (!resume || Files.size(log) == 0) csv.write("step,lr,content,style,total,seconds\n");
            while (training.iteration() < steps && !stop) {
                long i = training.iteration();
                long t = System.nanoTime();
                AdaInTraining.Losses l = training.step(contents.batch(i, batch), styles.batch(i, batch));
                double seconds = (System.nanoTime() - t) / 1e9;
                if (!training.lastStepUpdated()) { // nothing changed: the decoder from before this step is written
                    save(training, decoder, identity, checkpoint, csv, history, plot);
                    System.err.printf(Locale.ROOT, "stylegrad: step %d: the update was not finite (losses %.4g, %.4g); the decoder from before it is in %s: lower --lr%n",
                            i + 1, l.content(), l.style(), out);
                    return ExitCode.DIVERGED;
                }
                csv.write(String.format(Locale.ROOT, "%d,%.6g,%.8g,%.8g,%.8g,%.3f%n", i + 1, settings.lrAt(i), l.content(), l.style(), l.total(), seconds));
                history.add(new Objective.Evaluation(l.content(), l.style(), 0, l.total()));
                progress.update(i + 1, String.format(Locale.ROOT, "content %.4g  style %.4g  (%.2f s/step)", l.content(), l.style(), seconds));
                if ((i + 1) % saveEvery == 0 && i + 1 < steps) save(training, decoder, identity, checkpoint, csv, history, plot);
            }
            save(training, decoder, identity, checkpoint, csv, history, plot);
        } finally {
            hook.finished();
        }
        System.err.printf(Locale.ROOT, "stylegrad: %s after %d steps -> %s (checkpoint %s)%n", stop ? "stopped" : "trained", training.iteration(), out, checkpoint);
        return stop ? ExitCode.INTERRUPTED : ExitCode.OK;
    }

    private void save(AdaInTraining training, AdaInDecoder decoder, double[] identity, Path checkpoint, BufferedWriter csv, List<Objective.Evaluation> history, Path plot)
            throws IOException {
        csv.flush();
        decoder.save(out);
        AdaInCheckpoint.write(checkpoint, training, decoder.parameters(), identity);
        if (history.size() >= 2) LossPlot.write(history, "AdaIN decoder training (weighted losses)", plot);
    }

    /** The log's losses up to {@code steps} (a resumed training's plot continues the old one). */
    private static List<Objective.Evaluation> readLog(Path log, long steps) throws IOException {
        List<Objective.Evaluation> out = new ArrayList<>();
        if (steps == 0 || !Files.isRegularFile(log)) return out;
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(",");
            if (f.length < 5 || !f[0].matches("[0-9]+") || Long.parseLong(f[0]) > steps) continue;
            out.add(new Objective.Evaluation(Double.parseDouble(f[2]), Double.parseDouble(f[3]), 0, Double.parseDouble(f[4])));
        }
        return out;
    }

    private Path sibling(String suffix) {
        String name = out.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return out.toAbsolutePath().resolveSibling(name + suffix);
    }

    private void skipped(Path file, String why) {
        System.err.println("stylegrad: skipped " + file + ": " + why + " (its place goes to the next picture of the order)");
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
}
