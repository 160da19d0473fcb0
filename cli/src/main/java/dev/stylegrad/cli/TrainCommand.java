package dev.stylegrad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.cli.LossPlot;
import dev.stylegrad.style.checkpoint.CheckpointDirectory;
import dev.stylegrad.style.feedforward.FeedForwardTraining;
import dev.stylegrad.style.feedforward.Trainer;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.io.Checksums;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.models.WeightsLocation;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stylegrad train}: trains a feed-forward style network (pytorch/examples' fast_neural_style) for one style on a
 * folder of pictures, with the reference's losses and defaults; {@code stylegrad apply} then stylizes any picture in
 * one forward pass.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a feed-forward network for one style (Johnson et al. 2016, as pytorch/examples' fast_neural_style) on a folder of pictures; "
                + "`stylegrad apply --model OUT` then stylizes any picture in one pass.",
                "Pictures are read recursively in sorted path order and taken in that order (--shuffle for a seeded order per epoch); each is resized "
                        + "so its shorter side is --image-size and center-cropped. Ctrl-C stops after the current step and saves the model (and the checkpoint)."})
final class TrainCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final String VGG16_FILE = dev.stylegrad.models.PublishedWeights.VGG16_FILE_NAME;
    static final String VGG16_URL = dev.stylegrad.models.PublishedWeights.VGG16_URL;

    @Option(names = "--style", required = true, paramLabel = "FILE", description = "The style picture (PNG or JPEG).")
    Path style;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Training pictures: every .png/.jpg/.jpeg in DIR and below (e.g. COCO train2014).")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors",
            description = "The trained network (safetensors, the reference's parameter names), written atomically every --save-every steps and at the end.")
    Path out;

    @Option(names = "--loss-network", paramLabel = "vgg16|vgg19", defaultValue = "vgg16",
            description = "The loss network: torchvision's VGG16 (the reference's) or VGG19. Default: ${DEFAULT-VALUE}.")
    String lossNetwork;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "The loss network's weights (.pth or .safetensors). Default: VGG16: weights/" + VGG16_FILE + "; VGG19: as `stylegrad run` finds them.")
    Path weights;

    @Option(names = "--style-layers", paramLabel = "NAME,...", split = ",", defaultValue = "relu1_2,relu2_2,relu3_3,relu4_3",
            description = "Style layers, each Gram term weighted 1. Default: ${DEFAULT-VALUE}.")
    List<String> styleLayers;

    @Option(names = "--content-layer", paramLabel = "NAME", defaultValue = "relu2_2", description = "Default: ${DEFAULT-VALUE}.")
    String contentLayer;

    @Option(names = "--image-size", paramLabel = "N", defaultValue = "256", description = "Side of the square training pictures. Default: ${DEFAULT-VALUE}.")
    int imageSize;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "4", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @ArgGroup(exclusive = true)
    Length length;

    static final class Length {
        @Option(names = "--epochs", paramLabel = "E", description = "Passes over the pictures (default 2, the reference's).")
        Integer epochs;

        @Option(names = "--steps", paramLabel = "N", description = "Steps in all, counted from the first run (a resume continues to N).")
        Long steps;
    }

    @Option(names = "--lr", paramLabel = "X", defaultValue = "1e-3", description = "Adam's learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--content-weight", paramLabel = "A", defaultValue = "1e5", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "B", defaultValue = "1e10", description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--style-size", paramLabel = "N", description = "Resize the style picture to N×N first, as the reference does (its aspect ratio is not kept). Default: its own size.")
    Integer styleSize;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seeds the new network's weights and --shuffle. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--shuffle", description = "Take the pictures in a seeded random order, a new one each epoch.")
    boolean shuffle;

    @Option(names = "--init-model", paramLabel = "FILE", description = "Start from this network (.pth or .safetensors) instead of a new one.")
    Path initModel;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "500", description = "Write --out every N steps (0: only at the end). Default: ${DEFAULT-VALUE}.")
    int saveEvery;

    @Option(names = "--log-json", paramLabel = "FILE", description = "One JSON object per step: step, content, style, total (weighted, of the step's batch before its update), seconds.")
    Path logJson;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the loss curves as a PNG at the end.")
    Path plot;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Save the network, Adam's state and the picture position to DIR every --checkpoint-every steps, at the end and on Ctrl-C, for --resume.")
    Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Default: the --save-every value.")
    Integer checkpointEvery;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the training checkpointed in DIR (give the same settings); keeps checkpointing there unless --checkpoint says otherwise.")
    Path resume;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the kernels. Default: all cores.")
    Integer threads;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "67108864", description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @Override
    public Integer call() throws Exception {
        check();
        if (threads != null) Backend.setThreads(threads);
        System.err.println("stylegrad: " + Backend.current().report());
        Vgg.Architecture architecture = lossNetwork.equalsIgnoreCase("vgg16") ? Vgg.Architecture.VGG16 : Vgg.Architecture.VGG19;
        Path weightsFile = lossWeights(architecture);
        RgbImage stylePicture = ImageFiles.read(style, maxPixels);
        List<String> layers = new ArrayList<>(styleLayers);
        layers.add(contentLayer);
        String deepest = deepest(architecture, layers);
        long t0 = System.nanoTime();
        Vgg vgg = Vgg.load(architecture, weightsFile, deepest, Vgg.Pooling.MAX);
        System.err.printf(Locale.ROOT, "stylegrad: loss network %s from %s (to %s) in %.1f s%n", lossNetwork.toLowerCase(Locale.ROOT), weightsFile, deepest,
                (System.nanoTime() - t0) / 1e9);
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        FeedForwardTraining.Builder builder = FeedForwardTraining.builder().lossNetwork(vgg).style(stylePicture).styleSize(styleSize).images(images)
                .imageSize(imageSize).batchSize(batchSize).learningRate(lr).contentWeight(contentWeight).styleWeight(styleWeight)
                .layers(styleLayers, contentLayer).seed(seed).shuffle(shuffle).maxPixels(maxPixels)
                .onSkippedImage((f, why) -> System.err.println("stylegrad: skipped " + f + ": " + why))
                .fingerprint("loss-network", lossNetwork.toLowerCase(Locale.ROOT))
                .fingerprint("weights", "sha256:" + Checksums.sha256(weightsFile));
        if (length != null && length.steps != null) builder.steps(length.steps);
        else builder.epochs(length != null && length.epochs != null ? length.epochs : 2);
        if (initModel != null) {
            builder.initialNetwork(TransformerNet.load(initModel)).fingerprint("init-model", "sha256:" + Checksums.sha256(initModel));
        }
        if (checkpointDir != null) builder.checkpoints(checkpointDir, checkpointEvery != null ? checkpointEvery : saveEvery);
        if (resume != null) builder.resumeFrom(resume);

        long pictures = countPictures();
        long totalSteps = length != null && length.steps != null ? length.steps
                : (long) Math.ceil((length != null && length.epochs != null ? length.epochs : 2) * (double) pictures / batchSize);
        ObjectMapper json = new ObjectMapper();
        BufferedWriter log = logJson == null ? null : Files.newBufferedWriter(logJson);
        List<Objective.Evaluation> curve = new ArrayList<>();
        Progress progress = Progress.steps("train", totalSteps, Math.max(1, Math.min(100, totalSteps / 50)));
        double[] clock = {-1, 0}; // when this process's first step began, steps since
        builder.listener(new FeedForwardTraining.Listener() {
            @Override
            public void onResume(List<FeedForwardTraining.LoggedStep> earlier) {
                // The checkpoint's steps first, so the log reads as one uninterrupted run's.
                for (int i = 0; i < earlier.size(); i++) writeLog(json, log, i, earlier.get(i).losses(), earlier.get(i).seconds());
            }

            @Override
            public void onStep(FeedForwardTraining.Step step) {
            Trainer.Losses l = step.losses();
            writeLog(json, log, step.index(), l, step.seconds());
            curve.add(new Objective.Evaluation(l.content(), l.style(), 0, l.total()));
            long now = System.nanoTime();
            if (clock[0] < 0) clock[0] = now - step.seconds() * 1e9;
            clock[1]++;
            double perStep = (now - clock[0]) / 1e9 / clock[1];
            double eta = Math.max(0, totalSteps - step.index() - 1) * perStep;
            progress.eta(eta);
            progress.update(step.index() + 1, progress.live()
                    ? String.format(Locale.ROOT, "loss %.3g (c %.3g s %.3g) %.2fs/step", l.total(), l.content(), l.style(), perStep)
                    : String.format(Locale.ROOT, "total %.4g  content %.4g  style %.4g  epoch %d  %.2f s/step  ETA %s", l.total(), l.content(), l.style(),
                            step.position().epoch() + 1, perStep, RunCommand.duration(eta)));
            if (saveEvery > 0 && (step.index() + 1) % saveEvery == 0) {
                try {
                    step.network().save(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            }
        });
        FeedForwardTraining training = builder.build();
        CountDownLatch saved = new CountDownLatch(1);
        Thread onInterrupt = new Thread(() -> {
            training.cancel();
            try {
                saved.await(300, TimeUnit.SECONDS); // let the step finish and the model and checkpoint be written
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "stylegrad-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        FeedForwardTraining.Result result = null;
        try {
            if (resume != null) System.err.println("stylegrad: resuming the training checkpointed in " + resume);
            try {
                result = training.run();
            } finally {
                progress.close();
                if (log != null) log.close();
            }
            if (result.steps() > 0) result.network().save(out);
            if (plot != null && !result.log().isEmpty()) {
                List<Objective.Evaluation> all = new ArrayList<>();
                for (FeedForwardTraining.LoggedStep s : result.log()) all.add(new Objective.Evaluation(s.losses().content(), s.losses().style(), 0, s.losses().total()));
                LossPlot.write(all, "stylegrad train: " + out.getFileName(), plot);
            }
            FeedForwardTraining.LoggedStep last = result.log().isEmpty() ? null : result.log().get(result.log().size() - 1);
            System.err.printf(Locale.ROOT, "stylegrad: %s: %d step(s) (%s in this process)%s; wrote %s%n", switch (result.reason()) {
                case COMPLETED -> "done";
                case CANCELLED -> "interrupted";
                case DIVERGED -> "diverged (a non-finite loss); kept the network from before that step";
            }, result.steps(), RunCommand.duration(result.seconds()),
                    last == null ? "" : String.format(Locale.ROOT, "; last losses total %.4g content %.4g style %.4g", last.losses().total(), last.losses().content(),
                            last.losses().style()), out.toAbsolutePath());
        } finally {
            saved.countDown(); // a Ctrl-C shutdown may proceed now: the model and the summary are out
            // A Ctrl-C cancelled the run and its hook is running: it cannot be removed then, and need not be.
            if (result == null || result.reason() != FeedForwardTraining.StopReason.CANCELLED) {
                try {
                    Runtime.getRuntime().removeShutdownHook(onInterrupt);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting already
                }
            }
        }
        return switch (result.reason()) {
            case COMPLETED -> ExitCode.OK;
            case CANCELLED -> ExitCode.INTERRUPTED;
            case DIVERGED -> ExitCode.DIVERGED;
        };
    }

    /** Everything that can be checked before loading anything. */
    private void check() throws IOException, BadInputException {
        // Option values that cannot be right are usage errors (exit 2), as picocli's own; files that cannot be used are bad input (3).
        if (!lossNetwork.equalsIgnoreCase("vgg16") && !lossNetwork.equalsIgnoreCase("vgg19")) usage("--loss-network must be vgg16 or vgg19, got " + lossNetwork);
        if (imageSize < 16) usage("--image-size must be at least 16 pixels, got " + imageSize);
        if (batchSize < 1) usage("--batch-size must be at least 1, got " + batchSize);
        if (length != null && length.steps != null && length.steps < 1) usage("--steps must be at least 1, got " + length.steps);
        if (length != null && length.epochs != null && length.epochs < 1) usage("--epochs must be at least 1, got " + length.epochs);
        if (saveEvery < 0) usage("--save-every must be 0 or more, got " + saveEvery);
        if (checkpointEvery != null && checkpointEvery < 0) usage("--checkpoint-every must be 0 or more, got " + checkpointEvery);
        if (threads != null && threads < 1) usage("--threads must be at least 1, got " + threads);
        if (styleSize != null && styleSize < 16) usage("--style-size must be at least 16 pixels, got " + styleSize);
        if (!(lr > 0) || !Double.isFinite(lr)) usage("--lr must be a positive number, got " + lr);
        if (!(contentWeight >= 0) || !(styleWeight >= 0) || !Double.isFinite(contentWeight) || !Double.isFinite(styleWeight)) {
            usage("--content-weight and --style-weight must be finite and not negative");
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new BadInputException("--out " + out + ": the network is written as safetensors; name the file *.safetensors");
        }
        if (!Files.isDirectory(images)) throw new BadInputException("--images " + images + ": not a folder");
        if (!Files.isRegularFile(style)) throw new BadInputException("--style " + style + ": no such file");
        checkWritable(out);
        if (logJson != null) checkWritable(logJson);
        if (plot != null) checkWritable(plot);
        if (checkpoint != null && (resume == null || !checkpoint.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize()))
                && CheckpointDirectory.exists(checkpoint)) {
            throw new BadInputException("--checkpoint " + checkpoint + " already holds a checkpoint; continue it with --resume " + checkpoint
                    + ", or choose an empty directory");
        }
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static void checkWritable(Path file) throws BadInputException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) throw new BadInputException(file + ": the directory " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new BadInputException(file + ": the directory " + dir + " is not writable");
        if (Files.isDirectory(file)) throw new BadInputException(file + ": is a directory");
    }

    private Path lossWeights(Vgg.Architecture architecture) throws BadInputException {
        if (architecture == Vgg.Architecture.VGG19) return Cli.weightsFile(weights);
        Path f = weights != null ? weights : WeightsLocation.directory().resolve(VGG16_FILE);
        if (!Files.isRegularFile(f)) {
            throw new BadInputException(f + ": no VGG16 weights here; run `stylegrad weights fetch --model vgg16` (or download torchvision's "
                    + VGG16_URL + ", 528 MB, to " + f + "), give another file with --weights, or train on VGG19 with --loss-network vgg19");
        }
        return f;
    }

    /** The deepest of {@code layers} in the network's order (the loss network is loaded up to it). */
    private static String deepest(Vgg.Architecture architecture, List<String> layers) throws BadInputException {
        List<String> order = architecture.layerNames();
        String deepest = null;
        for (String layer : layers) {
            int i = order.indexOf(layer);
            if (i < 0) throw new BadInputException("no layer " + layer + " in " + architecture.name().toLowerCase(Locale.ROOT) + " (its layers: " + String.join(", ", order) + ")");
            if (deepest == null || i > order.indexOf(deepest)) deepest = layer;
        }
        return deepest;
    }

    private long countPictures() throws IOException {
        try (var walk = Files.walk(images)) {
            return walk.filter(Files::isRegularFile).filter(dev.stylegrad.style.feedforward.TrainingImages::isPicture).count();
        }
    }

    private static void writeLog(ObjectMapper json, BufferedWriter log, long index, Trainer.Losses l, double seconds) {
        if (log == null) return;
        ObjectNode n = json.createObjectNode();
        n.put("step", index);
        n.put("content", l.content());
        n.put("style", l.style());
        n.put("total", l.total());
        n.put("seconds", seconds);
        try {
            log.write(json.writeValueAsString(n));
            log.newLine();
            log.flush(); // a crash keeps every finished step
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
