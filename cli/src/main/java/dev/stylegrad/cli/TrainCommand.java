package dev.stylegrad.cli;

import dev.stylegrad.style.SettingsText;
import dev.stylegrad.style.RunSettings;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.feedforward.TrainSettings;
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
import dev.stylegrad.io.NonFiniteWeightsException;
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
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = TrainCommand.Defaults.class,
        description = {"Train a feed-forward network for one style (Johnson et al. 2016, as pytorch/examples' fast_neural_style) on a folder of pictures; "
                + "`stylegrad apply --model OUT` then stylizes any picture in one pass.",
                "Pictures are read recursively in sorted path order and taken in that order (--shuffle for a seeded order per epoch); each is resized "
                        + "so its shorter side is --image-size and center-cropped. Ctrl-C stops after the current step and saves the model (and the checkpoint)."})
final class TrainCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final String VGG16_FILE = dev.stylegrad.models.PublishedWeights.VGG16_FILE_NAME;
    static final String VGG16_URL = dev.stylegrad.models.PublishedWeights.VGG16_URL;
    /** The reference network's file size (1.68 M float32 parameters), the upper bound the output checks plan for. */
    private static final long MODEL_BYTES = 7L << 20;

    @Option(names = "--style", required = true, paramLabel = "FILE", description = "The style picture (PNG or JPEG).")
    Path style;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Training pictures: every .png/.jpg/.jpeg in DIR and below (e.g. COCO train2014).")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors",
            description = "The trained network (safetensors, the reference's parameter names), written atomically every --save-every steps and at the end.")
    Path out;

    @Option(names = "--loss-network", paramLabel = "vgg16|vgg19",
            description = "The loss network: torchvision's VGG16 (the reference's) or VGG19. Default: ${DEFAULT-VALUE}.")
    String lossNetwork;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "The loss network's weights (.pth or .safetensors). Default: VGG16: weights/" + VGG16_FILE + "; VGG19: as `stylegrad run` finds them.")
    Path weights;

    @Option(names = "--style-layers", paramLabel = "NAME,...", split = ",",
            description = "Style layers, each Gram term weighted 1. Default: ${DEFAULT-VALUE}.")
    List<String> styleLayers;

    @Option(names = "--content-layer", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
    String contentLayer;

    @Option(names = "--image-size", paramLabel = "N", description = "Side of the square training pictures. Default: ${DEFAULT-VALUE}.")
    int imageSize;

    @Option(names = "--batch-size", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @ArgGroup(exclusive = true)
    Length length;

    static final class Length {
        @Option(names = "--epochs", paramLabel = "E", description = "Passes over the pictures (default 2, the reference's).")
        Integer epochs;

        @Option(names = "--steps", paramLabel = "N", description = "Steps in all, counted from the first run (a resume continues to N).")
        Long steps;
    }

    @Option(names = "--lr", paramLabel = "X", description = "Adam's learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--content-weight", paramLabel = "A", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "B", description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--style-size", paramLabel = "N", description = "Resize the style picture to N×N first, as the reference does (its aspect ratio is not kept). Default: its own size.")
    Integer styleSize;

    @Option(names = "--seed", paramLabel = "N", description = "Seeds the new network's weights and --shuffle. Default: ${DEFAULT-VALUE}.")
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

    @picocli.CommandLine.Mixin
    ConvAlgorithmOption convAlgorithm = new ConvAlgorithmOption();

    @picocli.CommandLine.Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS, description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    /** Help defaults from {@link TrainSettings}, so each default is written once. */
    static final class Defaults extends SettingsDefaults {
        Defaults() {
            super(TrainSettings.defaults().options(SettingsText::readable));
        }
    }

    @Override
    public Integer call() throws Exception {
        TrainSettings settings = settings();
        check(settings);
        int[] styleSize = ImageFiles.dimensions(style, maxPixels); // the header only: sizes are checked before any work
        settings.checkFits(styleSize[0], styleSize[1]);
        TransformerNet initial = null;
        if (initModel != null) {
            try {
                initial = TransformerNet.load(initModel);
            } catch (NonFiniteWeightsException e) {
                // What a diverged training leaves: training from it cannot give a finite network.
                System.err.println("stylegrad: --init-model " + e.getMessage() + "; nothing was trained or written");
                return ExitCode.DIVERGED;
            }
        }
        if (threads != null) Backend.setThreads(threads);
        convAlgorithm.apply();
        System.err.println("stylegrad: " + Backend.current().report());
        Path weightsFile = lossWeights(settings.lossNetwork());
        RgbImage stylePicture = ImageFiles.read(style, maxPixels);
        long t0 = System.nanoTime();
        Vgg vgg = Vgg.load(settings.lossNetwork(), weightsFile, settings.deepestLayer(), Vgg.Pooling.MAX);
        System.err.printf(Locale.ROOT, "stylegrad: loss network %s from %s (to %s) in %.1f s%n", lossNetwork.toLowerCase(Locale.ROOT), weightsFile,
                settings.deepestLayer(), (System.nanoTime() - t0) / 1e9);
        FeedForwardTraining.Builder builder = FeedForwardTraining.builder().lossNetwork(vgg).settings(settings).style(stylePicture).images(images)
                .maxPixels(maxPixels).onSkippedImage((f, why) -> System.err.println("stylegrad: skipped " + f + ": " + why))
                .fingerprint("weights", "sha256:" + Checksums.sha256(weightsFile));
        if (initial != null) builder.initialNetwork(initial).fingerprint("init-model", "sha256:" + Checksums.sha256(initModel));
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        if (checkpointDir != null) builder.checkpoints(checkpointDir, checkpointEvery != null ? checkpointEvery : saveEvery);
        if (resume != null) builder.resumeFrom(resume);
        long totalSteps = settings.totalSteps(countPictures());
        FeedForwardTraining.Result result = null;
        boolean written = false;
        TrainSteps steps = new TrainSteps(totalSteps, saveEvery, out);
        ClusterConnector.Cluster c = cluster.connect();
        if (c != null) builder.stepRunner(c.runner());
        FeedForwardTraining training = builder.listener(steps).build();
        InterruptHook hook = InterruptHook.install(training::cancel, 300);
        try (c) {
            if (resume != null) System.err.println("stylegrad: resuming the training checkpointed in " + resume);
            try (JobConsole console = JobConsole.open("train", totalSteps, Math.max(1, Math.min(100, totalSteps / 50)), logJson)) {
                steps.start(console);
                result = training.run();
            }
            if (result.steps() > 0) result.network().save(out);
            written = result.steps() > 0;
            if (plot != null && !result.log().isEmpty()) LossPlot.write(TrainSteps.evaluations(result.log()), "stylegrad train: " + out.getFileName(), plot);
            summarize(result, written);
        } finally {
            hook.finished(); // a Ctrl-C shutdown may proceed now: the model and the summary are out
        }
        return switch (result.reason()) {
            case COMPLETED -> ExitCode.OK;
            case CANCELLED -> ExitCode.INTERRUPTED;
            case DIVERGED -> ExitCode.DIVERGED;
        };
    }

    /** The options as {@link TrainSettings}, checked (a value out of range is a usage error). */
    TrainSettings settings() {
        Vgg.Architecture architecture = switch (lossNetwork.toLowerCase(Locale.ROOT)) {
            case "vgg16" -> Vgg.Architecture.VGG16;
            case "vgg19" -> Vgg.Architecture.VGG19;
            default -> throw new SettingsException("--loss-network must be vgg16 or vgg19, got " + lossNetwork);
        };
        TrainSettings.Builder s = TrainSettings.builder().wording(Schedule.Wording.COMMAND_LINE).lossNetwork(architecture).layers(styleLayers, contentLayer)
                .imageSize(imageSize).batchSize(batchSize).learningRate(lr).contentWeight(contentWeight).styleWeight(styleWeight).styleSize(styleSize)
                .seed(seed).shuffle(shuffle);
        if (length != null && length.steps != null) s.steps(length.steps);
        else if (length != null && length.epochs != null) s.epochs(length.epochs);
        return s.build();
    }

    private void summarize(FeedForwardTraining.Result result, boolean written) {
        FeedForwardTraining.LoggedStep last = result.log().isEmpty() ? null : result.log().get(result.log().size() - 1);
        System.err.printf(Locale.ROOT, "stylegrad: %s: %d step(s) (%s in this process)%s; %s%n", switch (result.reason()) {
            case COMPLETED -> "done";
            case CANCELLED -> "interrupted";
            case DIVERGED -> "diverged (a non-finite loss or update); kept the network from before that step";
        }, result.steps(), JobConsole.duration(result.seconds()),
                last == null ? "" : String.format(Locale.ROOT, "; last losses total %.4g content %.4g style %.4g", last.losses().total(), last.losses().content(),
                        last.losses().style()), written ? "wrote " + out.toAbsolutePath() : "no step completed, so no network was written");
    }

    /** What the command line itself must get right, before loading anything: the settings are checked by {@link #settings}. */
    private void check(TrainSettings settings) throws IOException, BadInputException {
        cluster.check(spec);
        if (saveEvery < 0) usage("--save-every must be 0 or more, got " + saveEvery);
        if (checkpointEvery != null && checkpointEvery < 0) usage("--checkpoint-every must be 0 or more, got " + checkpointEvery);
        if (threads != null && threads < 1) usage("--threads must be at least 1, got " + threads);
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new BadInputException("--out " + out + ": the network is written as safetensors; name the file *.safetensors");
        }
        if (!Files.isDirectory(images)) throw new BadInputException("--images " + images + ": not a folder");
        if (!Files.isRegularFile(style)) throw new BadInputException("--style " + style + ": no such file");
        for (Path output : new Path[] {out, logJson, plot}) {
            if (output != null && Files.isDirectory(output)) throw new BadInputException(output + ": is a directory");
        }
        if (checkpoint != null && (resume == null || !checkpoint.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize()))
                && CheckpointDirectory.exists(checkpoint)) {
            usage("--checkpoint " + checkpoint + " already holds a checkpoint; continue it with --resume " + checkpoint + ", or choose an empty directory");
        }
        for (Path input : new Path[] {initModel, style, weights}) {
            if (input != null && Files.exists(input) && Files.exists(out) && Files.isSameFile(input, out)) {
                usage("--out " + out + " is also an input (" + input + "): the trained network would overwrite it; give another --out");
            }
        }
        List<OutputPreflight.Planned> planned = new ArrayList<>(List.of(new OutputPreflight.Planned(out, MODEL_BYTES, "trained network")));
        if (logJson != null) planned.add(new OutputPreflight.Planned(logJson, 64 * 1024, "--log-json log"));
        if (plot != null) planned.add(new OutputPreflight.Planned(plot, 512 * 1024, "--plot image"));
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        if (checkpointDir != null) {
            Path target = Files.isDirectory(checkpointDir) ? checkpointDir.resolve("CURRENT") : checkpointDir;
            planned.add(new OutputPreflight.Planned(target, 6 * MODEL_BYTES, "checkpoint")); // model and Adam's two moments, twice
        }
        OutputPreflight.check(planned);
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
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

    private long countPictures() throws IOException {
        try (var walk = Files.walk(images)) {
            return walk.filter(Files::isRegularFile).filter(dev.stylegrad.style.feedforward.TrainingImages::isPicture).count();
        }
    }
}
