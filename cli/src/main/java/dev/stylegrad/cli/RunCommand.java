package dev.stylegrad.cli;

import dev.stylegrad.style.SettingsText;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.io.WeightsDownloader;
import dev.stylegrad.models.PublishedWeights;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.models.WeightsLocation;
import dev.stylegrad.style.Init;
import dev.stylegrad.style.LayerWeights;
import dev.stylegrad.style.RunSettings;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.Step;
import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.TilePolicy;
import dev.stylegrad.style.checkpoint.Checkpoint;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Precision;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stylegrad run}: the style transfer job. With no arguments it stylizes the bundled example images. The options
 * map onto {@link RunSettings}, which holds their defaults and checks them; what is the command line's own (where
 * files go, how often they are written, the device and threads, the default schedule) is here.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = RunCommand.Defaults.class,
        description = {"Paint the content image in the style of the style image(s) (Gatys et al. 2016).",
            "With no --content/--style it stylizes the bundled example images into example-stylized.png."})
final class RunCommand implements Callable<Integer> {
    static final String EXAMPLE_CONTENT = "/dev/stylegrad/style/examples/landscape.png";
    static final String EXAMPLE_STYLE = "/dev/stylegrad/style/examples/brushstrokes.png";

    /**
     * The schedule of a run that names none of --size, --scales and --steps: a coarse scale, then 512 px. On the
     * bundled example it ends at a lower loss than 500 steps at 512 px in 65% of the time (README, "The default
     * schedule"): the coarse steps cost a third of the fine ones and lay out the large strokes the fine scale refines.
     */
    static final int[] DEFAULT_SCALES = {256, 512}, DEFAULT_STEPS = {400, 200};

    /** Help defaults from {@link RunSettings} (L-BFGS's own from an L-BFGS run's), so each default is written once. */
    static final class Defaults extends SettingsDefaults {
        Defaults() {
            super(RunSettings.defaults().options(SettingsText::readable),
                    RunSettings.defaults().toBuilder().optimizer(RunSettings.LBFGS).build().options(SettingsText::readable));
        }
    }

    /**
     * Called after each step is logged, saved and checkpointed, with the steps completed and whether Ctrl-C has
     * arrived: a package-private seam where tests pause a run at a known step ({@code PausedRun}, {@code PausingCli}).
     */
    interface StepObserver {
        void afterStep(int completed, BooleanSupplier interrupted);
    }

    static volatile StepObserver observer = (completed, interrupted) -> { };

    @Option(names = "--content", paramLabel = "FILE", description = "Content image (PNG or JPEG).")
    Path content;

    @Option(names = "--style", paramLabel = "FILE", split = ",", description = "Style image(s), comma-separated.")
    List<Path> styles;

    @Option(names = "--style-blend", paramLabel = "W", split = ",", description = "Blend weights of the style images (normalized to sum 1). Default: equal.")
    double[] styleBlend;

    @Option(names = "--out", paramLabel = "FILE", description = "Output image, .png or .jpg (written atomically). Default with the examples: example-stylized.png.")
    Path out;

    @Option(names = "--weights", paramLabel = "FILE", description = "VGG19 weights (.pth or .safetensors). Default: $STYLEGRAD_WEIGHTS, else the checkout's weights/ (fetched when missing).")
    Path weights;

    @Option(names = "--size", paramLabel = "N", defaultValue = "512", description = "Longer side of the result in pixels (one scale; see --scales for several); no resampling when it equals the content's own. "
                    + "Default: ${DEFAULT-VALUE}, reached through the default schedule when none of --size, --scales and --steps is given (see --steps).")
    int size;

    @Option(names = "--scales", paramLabel = "N", split = ",",
            description = "Several scales in one run: the longer side of each, growing (e.g. 512,1024,2048), with one --steps count per scale. "
                    + "Each scale starts from the previous one's result, upscaled; style images are resized per scale as --style-scale says. Not with --size.")
    int[] scales;

    @Option(names = "--steps", paramLabel = "N", split = ",",
            description = "Optimization steps (L-BFGS: iterations); with --scales one count per scale (e.g. 300,150,60). Default: ${DEFAULT-VALUE} with --size; "
                    + "with none of --size, --scales and --steps, the default schedule --scales 256,512 --steps 400,200 (a lower final loss than 500 steps at 512 px in 65%% of the time on the bundled example).")
    int[] steps;

    @Option(names = "--optimizer", paramLabel = "adam|lbfgs", description = "Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Learning rate (Adam, default 0.003) or step length (L-BFGS, default 1).")
    Double lr;

    @Option(names = "--adam-betas", paramLabel = "B1,B2", split = ",",
            description = "Adam: the decay rates of its first and second moment estimates, each in [0, 1). Default: ${DEFAULT-VALUE}.")
    double[] adamBetas;

    @Option(names = "--line-search", negatable = true, fallbackValue = "true",
            description = "L-BFGS: strong-Wolfe line search (default); --no-line-search takes fixed steps of --lr, like PyTorch's default, which can diverge on style losses.")
    boolean lineSearch;

    @Option(names = "--lbfgs-history", paramLabel = "N",
            description = "L-BFGS: curvature pairs kept, each two picture-sized float32 arrays; a value that cannot fit in memory is refused, naming one that would. Default: ${DEFAULT-VALUE}.")
    int lbfgsHistory;

    @Option(names = "--content-weight", paramLabel = "A", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "B", description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--tv-weight", paramLabel = "G", description = "Total-variation weight. Default: ${DEFAULT-VALUE}.")
    double tvWeight;

    @Option(names = "--content-layers", paramLabel = "NAME[:W],...", description = "Default: ${DEFAULT-VALUE}.")
    String contentLayers;

    @Option(names = "--style-layers", paramLabel = "NAME[:W],...",
            description = "Default: ${DEFAULT-VALUE}.")
    String styleLayers;

    @Option(names = "--init", paramLabel = "content|random|FILE", defaultValue = "content", description = "Starting image. Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for --init random. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--pooling", paramLabel = "max|avg", description = "Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--original-colors", description = "Keep the content's colors (luminance-only transfer).")
    boolean originalColors;

    @Option(names = "--style-scale", paramLabel = "X", description = "Style images are resized to the content size times X. Default: ${DEFAULT-VALUE}.")
    double styleScale;

    @Option(names = "--tile", paramLabel = "N|auto|off",
            description = "Compute each step in tiles of N px (exact; memory holds one tile's activations): auto tiles only when the untiled step would not fit in memory and says so; off never tiles. Default: ${DEFAULT-VALUE}.")
    String tile;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "50", description = "Write the current image (at the current scale's size) to --out every N steps, counted over all scales (0: only at the end). Default: ${DEFAULT-VALUE}.")
    int saveEvery;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Save the exact image and optimizer state to DIR every --checkpoint-every steps, at the end and on Ctrl-C (atomically), for --resume.")
    Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Checkpoint every N steps (0: only at the end and on Ctrl-C). Default: the --save-every value.")
    Integer checkpointEvery;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run checkpointed in DIR, at its scale and step, to --steps (which may be raised for the checkpoint's scale and changed for later ones); give the same settings. Keeps checkpointing to DIR unless --checkpoint says otherwise.")
    Path resume;

    @Option(names = "--log-json", paramLabel = "FILE", description = "Write one JSON object per step: step (counted over all scales), content, style, tv, total (weighted), seconds, scale (its longer side in px).")
    Path logJson;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the loss curves (log scale) as a PNG; with --scales a vertical line marks where each scale begins.")
    Path plot;

    @Option(names = "--device", paramLabel = "auto|cpu|cuda", defaultValue = "auto", description = "Must match the backend this build loads (CPU unless built with -Pcuda). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--precision", paramLabel = "fp32|bf16",
            description = "What the gradient's products multiply in: fp32, or bf16 (the convolutions' input gradients and the Gram backward "
                    + "read bfloat16 and sum in float32; the forward pass, losses, image and optimizer state stay float32), which needs a CPU "
                    + "with avx512_bf16 or amx_bf16. Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the kernels. Default: all cores.")
    Integer threads;

    @picocli.CommandLine.Mixin
    ConvAlgorithmOption convAlgorithm = new ConvAlgorithmOption();

    @picocli.CommandLine.Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS, description = "Refuse images declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        boolean example = content == null && styles == null;
        Path output = checkCommandLine(example);
        RunSettings settings = settings();
        Backend backend = Backend.current();
        if (device.equals("cuda") && !backend.device().equals("cuda")) {
            throw new UnsupportedOptionException("--device cuda: this build loads the CPU backend (" + backend.library() + "); rebuild with `mvn -Pcuda` on a machine with CUDA 11.6");
        }
        if (device.equals("cpu") && !backend.device().equals("cpu")) {
            throw new UnsupportedOptionException("--device cpu: this build loads the CUDA backend; rebuild without -Pcuda for CPU");
        }
        ImageFiles.checkWritable(output);
        if (logJson != null) checkWritableFile(logJson);
        if (plot != null) checkWritableFile(plot);
        if (threads != null) Backend.setThreads(threads);
        convAlgorithm.apply();
        System.err.println("stylegrad: " + Backend.current().report());
        if (defaultSchedule()) {
            System.err.printf(Locale.ROOT, "stylegrad: the default schedule: %d steps at %d px, then %d at %d px (--size N --steps N runs one scale)%n",
                    DEFAULT_STEPS[0], DEFAULT_SCALES[0], DEFAULT_STEPS[1], DEFAULT_SCALES[1]);
        }
        RgbImage contentImage = example ? bundled(EXAMPLE_CONTENT) : readImage(content);
        settings.checkLbfgsFits(contentImage.width(), contentImage.height()); // before reading the styles: a refusal needs only the content
        OutputPreflight.check(plannedOutputs(output, contentImage, settings));
        List<RgbImage> styleImages = new ArrayList<>();
        if (example) styleImages.add(bundled(EXAMPLE_STYLE));
        else for (Path s : styles) styleImages.add(readImage(s));
        Path weightsFile = weightsOrFetch(weights);
        RunCheckpoints checkpoints = RunCheckpoints.open(checkpoint, resume,
                checkpoint == null && resume == null ? Map.of() : RunCheckpoints.inputs(content, styles, weightsFile, init, example), settings);
        StyleTransfer.Builder builder = StyleTransfer.builder().content(contentImage).style(styleImages.toArray(new RgbImage[0])).weights(weightsFile)
                .settings(settings).init(parseInit()).notices(message -> System.err.println("stylegrad: " + message));
        Checkpoint resumed = checkpoints.resumed;
        if (resumed != null) {
            builder.resumeFrom(resumed.completedSteps(), resumed.image(), resumed.optimizerState());
            int k = resumed.scale(), n = settings.schedule().scales();
            System.err.println("stylegrad: resuming from " + resume + " after step " + resumed.completedSteps() + " of " + settings.schedule().totalSteps()
                    + (n > 1 ? " (scale " + (k + 1) + "/" + n + ", " + settings.schedule().side(k) + " px)" : ""));
        }
        builder.build(); // the whole configuration is valid: only now is the log opened
        StyleTransfer.Result result;
        try (ClusterConnector.Cluster c = cluster.connect()) {
            if (c != null) builder.stepRunner(c.runner());
            result = runAndSave(builder, settings, checkpoints, contentImage, output, example);
        }
        return switch (result.reason()) {
            case COMPLETED, CONVERGED -> ExitCode.OK;
            case CANCELLED -> ExitCode.INTERRUPTED;
            case DIVERGED -> ExitCode.DIVERGED;
        };
    }

    /** The usage errors of the command line itself; the output file. */
    private Path checkCommandLine(boolean example) {
        if (!example && (content == null || styles == null)) usage("give both --content and --style (or neither, to stylize the bundled examples)");
        if (!example && out == null) usage("--out is required with --content");
        if (!List.of("auto", "cpu", "cuda").contains(device)) usage("--device must be auto, cpu or cuda, got '" + device + "'");
        if (threads != null && threads < 1) usage("--threads must be at least 1");
        if (saveEvery < 0) usage("--save-every must be >= 0");
        if (checkpointEvery != null && checkpointEvery < 0) usage("--checkpoint-every must be >= 0");
        if (checkpointEvery != null && checkpoint == null && resume == null) usage("--checkpoint-every needs --checkpoint DIR (or --resume DIR)");
        if (scales != null && matched("--size")) usage("give either --size (one scale) or --scales (several), not both");
        cluster.check(spec);
        return out != null ? out : Path.of("example-stylized.png");
    }

    /** The options as {@link RunSettings}, checked (a value out of range is a {@link SettingsException}: a usage error). */
    RunSettings settings() {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("--precision must be fp32 or bf16, got '" + precision + "'");
        }
        RunSettings.Builder s = RunSettings.builder().wording(Schedule.Wording.COMMAND_LINE).contentLayers(LayerWeights.parse(contentLayers))
                .styleLayers(LayerWeights.parse(styleLayers)).pooling(Vgg.Pooling.parse(pooling)).precision(p).tile(TilePolicy.parse(tile))
                .styleBlend(styleBlend).styleScale(styleScale).contentWeight(contentWeight).styleWeight(styleWeight).tvWeight(tvWeight)
                .optimizer(optimizer).lr(lr).adamBetas(adamBetas).lineSearch(lineSearch).lbfgsHistory(lbfgsHistory).seed(seed).originalColors(originalColors);
        if (defaultSchedule()) s.scales(DEFAULT_SCALES).steps(DEFAULT_STEPS);
        else if (scales != null) s.scales(scales).steps(steps);
        else s.size(size).steps(steps);
        return s.build();
    }

    /** Whether the command names none of --size, --scales and --steps: then the default schedule runs. */
    private boolean defaultSchedule() {
        return !matched("--size") && !matched("--scales") && !matched("--steps");
    }

    private boolean matched(String option) {
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return parsed == null || parsed.hasMatchedOption(option);
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Runs the transfer with the log, the progress and the Ctrl-C hook, and writes what it keeps: the image, the
     * checkpoint (after a divergence the last one stays), the plot and the summary. A Ctrl-C shutdown waits for them.
     */
    private StyleTransfer.Result runAndSave(StyleTransfer.Builder builder, RunSettings settings, RunCheckpoints checkpoints, RgbImage contentImage,
                                            Path output, boolean example) throws IOException {
        RunSteps steps = new RunSteps(settings.schedule(), contentImage, output, saveEvery, checkpointEvery != null ? checkpointEvery : saveEvery, checkpoints);
        StyleTransfer transfer = builder.listener(steps).build();
        InterruptHook hook = InterruptHook.install(transfer::cancel, 120);
        StyleTransfer.Result result;
        try {
            try (JobConsole console = JobConsole.open("style", settings.schedule().totalSteps(), Math.max(1, settings.schedule().totalSteps() / 20), logJson)) {
                steps.start(transfer, console, hook::fired);
                result = transfer.run();
            }
            ImageFiles.write(result.image(), output);
            // At the end too (so --steps can be raised later) and on Ctrl-C; after a divergence the last one stays.
            if (result.reason() != StyleTransfer.StopReason.DIVERGED) checkpoints.save(transfer, steps.logged(), true);
            if (plot != null && !steps.logged().isEmpty()) LossPlot.write(steps.losses(), steps.plotScales(), "stylegrad: " + output.getFileName(), plot);
            summarize(result, output, example);
        } finally {
            hook.finished(); // only now may a Ctrl-C shutdown proceed: the image, the checkpoint and the summary are out
        }
        return result;
    }

    private Init parseInit() throws IOException {
        return switch (init) {
            case "content" -> Init.content();
            case "random" -> Init.random();
            default -> Init.image(readImage(Path.of(init)));
        };
    }

    private RgbImage readImage(Path file) throws IOException {
        RgbImage img = ImageFiles.read(file, maxPixels);
        img.conversions().forEach(c -> System.err.println("stylegrad: " + file + ": " + c));
        return img;
    }

    private static RgbImage bundled(String resource) throws IOException {
        try (InputStream in = RunCommand.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("the bundled example image " + resource + " is missing from this build");
            Path tmp = Files.createTempFile("stylegrad-example", resource.substring(resource.lastIndexOf('.')));
            try {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return ImageFiles.read(tmp, ImageFiles.DEFAULT_MAX_PIXELS);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The weights file; when the default location has none, fetch the published file there first. */
    private static Path weightsOrFetch(Path explicit) throws Exception {
        Path f = WeightsLocation.resolve(explicit);
        if (Files.isRegularFile(f) || explicit != null || System.getenv(WeightsLocation.ENV) != null) return Cli.weightsFile(explicit);
        // The property lets tests point the download at a local server instead of the real host.
        String url = System.getProperty("stylegrad.weightsUrl", PublishedWeights.URL);
        System.err.println("stylegrad: no weights at " + f + "; fetching " + url);
        try (Progress progress = Progress.bytes("fetch " + PublishedWeights.FILE_NAME, PublishedWeights.SIZE)) {
            new WeightsDownloader().fetch(URI.create(url), f, PublishedWeights.SIZE, PublishedWeights.SHA256,
                    (bytes, total) -> progress.update(bytes, null));
        } catch (WeightsDownloader.DownloadException e) {
            throw new BadInputException(e.getMessage() + ". " + WeightsLocation.howToGet(f));
        }
        return f;
    }

    /** What this run will write, with upper bounds on the sizes, for {@link OutputPreflight}. */
    private List<OutputPreflight.Planned> plannedOutputs(Path output, RgbImage contentImage, RunSettings settings) {
        Schedule schedule = settings.schedule();
        int[] wh = schedule.workingSize(schedule.scales() - 1, contentImage.width(), contentImage.height()); // the largest scale
        List<OutputPreflight.Planned> planned = new ArrayList<>();
        // An atomic write needs room for the new file while the old one still exists.
        planned.add(new OutputPreflight.Planned(output, OutputPreflight.imageBytes(wh[0], wh[1]), "output image"));
        if (logJson != null) planned.add(new OutputPreflight.Planned(logJson, 220L * (schedule.totalSteps() + 1), "--log-json log"));
        if (plot != null) planned.add(new OutputPreflight.Planned(plot, 512 * 1024, "--plot image"));
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        if (checkpointDir != null) {
            // The image and the optimizer's arrays as float32 at the largest scale (Adam: 2; L-BFGS: up to
            // --lbfgs-history curvature pairs and 3 more), twice: a new checkpoint is complete before the old one is deleted.
            long arrays = 1 + (settings.optimizer().equals(RunSettings.ADAM) ? 2 : 3 + 2L * settings.lbfgsHistory());
            Path target = Files.isDirectory(checkpointDir) ? checkpointDir.resolve("CURRENT") : checkpointDir;
            planned.add(new OutputPreflight.Planned(target, 2 * arrays * 12L * wh[0] * wh[1] + 64 * 1024, "checkpoint"));
        }
        return planned;
    }

    private static void checkWritableFile(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) throw new IOException(file + ": the directory " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new IOException(file + ": the directory " + dir + " is not writable");
    }

    private void summarize(StyleTransfer.Result r, Path output, boolean example) {
        List<Objective.Evaluation> l = r.losses();
        Objective.Evaluation last = l.isEmpty() ? null : l.get(l.size() - 1);
        String what = switch (r.reason()) {
            case COMPLETED -> "done";
            case CONVERGED -> "converged";
            case CANCELLED -> "interrupted";
            case DIVERGED -> "diverged (NaN/Inf losses); kept the last finite image";
        };
        int done = l.size();
        System.err.printf(Locale.ROOT, "stylegrad: %s: %d step(s), %d evaluation(s) in %s (%.2f s/step)%s; wrote %s%s%n", what, done, r.evaluations(),
                JobConsole.duration(r.seconds()), done == 0 ? 0.0 : r.seconds() / done,
                last == null ? "" : String.format(Locale.ROOT, "; last losses total %.4g content %.4g style %.4g tv %.4g", last.total(), last.content(), last.style(), last.tv()),
                output.toAbsolutePath(), example ? " (the bundled example; see `stylegrad run --help` for your own images)" : "");
    }
}
