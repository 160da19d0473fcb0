package dev.stylegrad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.style.Init;
import dev.stylegrad.style.LayerWeights;
import dev.stylegrad.cli.LossPlot;
import dev.stylegrad.style.MemoryCheck;
import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.checkpoint.Checkpoint;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.models.PublishedWeights;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.io.WeightsDownloader;
import dev.stylegrad.models.WeightsLocation;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stylegrad run}: the style transfer job. With no arguments it stylizes the bundled example images. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Paint the content image in the style of the style image(s) (Gatys et al. 2016).",
            "With no --content/--style it stylizes the bundled example images into example-stylized.png."})
final class RunCommand implements Callable<Integer> {
    static final String EXAMPLE_CONTENT = "/dev/stylegrad/style/examples/landscape.png";
    static final String EXAMPLE_STYLE = "/dev/stylegrad/style/examples/brushstrokes.png";

    /**
     * Test hook, off unless both properties are set: {@code -Dstylegrad.test.pauseAfterStep=N
     * -Dstylegrad.test.pauseFile=F} makes the run, once step N is complete (logged, saved and checkpointed as usual),
     * create F and wait until F is deleted or Ctrl-C arrives. Signal tests use it to hit a run at a known step
     * instead of racing its clock.
     */
    static final String PAUSE_AFTER_STEP = "stylegrad.test.pauseAfterStep", PAUSE_FILE = "stylegrad.test.pauseFile";

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

    @Option(names = "--steps", paramLabel = "N", split = ",", defaultValue = "500",
            description = "Optimization steps (L-BFGS: iterations); with --scales one count per scale (e.g. 300,150,60). Default: ${DEFAULT-VALUE} with --size; "
                    + "with none of --size, --scales and --steps, the default schedule --scales 256,512 --steps 400,200 (a lower final loss than 500 steps at 512 px in 65%% of the time on the bundled example).")
    int[] steps;

    @Option(names = "--optimizer", paramLabel = "adam|lbfgs", defaultValue = "adam", description = "Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Learning rate (Adam, default 0.003) or step length (L-BFGS, default 1).")
    Double lr;

    @Option(names = "--line-search", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "L-BFGS: strong-Wolfe line search (default); --no-line-search takes fixed steps of --lr, like PyTorch's default, which can diverge on style losses.")
    boolean lineSearch;

    @Option(names = "--lbfgs-history", paramLabel = "N", defaultValue = "100",
            description = "L-BFGS: curvature pairs kept, each two picture-sized float32 arrays; a value that cannot fit in memory is refused, naming one that would. Default: ${DEFAULT-VALUE}.")
    int lbfgsHistory;

    @Option(names = "--content-weight", paramLabel = "A", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    double contentWeight;

    @Option(names = "--style-weight", paramLabel = "B", defaultValue = "1e6", description = "Default: ${DEFAULT-VALUE}.")
    double styleWeight;

    @Option(names = "--tv-weight", paramLabel = "G", defaultValue = "0", description = "Total-variation weight. Default: ${DEFAULT-VALUE}.")
    double tvWeight;

    @Option(names = "--content-layers", paramLabel = "NAME[:W],...", defaultValue = "relu4_2", description = "Default: ${DEFAULT-VALUE}.")
    String contentLayers;

    @Option(names = "--style-layers", paramLabel = "NAME[:W],...", defaultValue = "relu1_1:1,relu2_1:0.75,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2",
            description = "Default: ${DEFAULT-VALUE}.")
    String styleLayers;

    @Option(names = "--init", paramLabel = "content|random|FILE", defaultValue = "content", description = "Starting image. Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed for --init random. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--pooling", paramLabel = "max|avg", defaultValue = "max", description = "Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--original-colors", description = "Keep the content's colors (luminance-only transfer).")
    boolean originalColors;

    @Option(names = "--style-scale", paramLabel = "X", defaultValue = "1", description = "Style images are resized to the content size times X. Default: ${DEFAULT-VALUE}.")
    double styleScale;

    @Option(names = "--tile", paramLabel = "N|auto|off", defaultValue = "auto",
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

    @Option(names = "--precision", paramLabel = "fp32|bf16", defaultValue = "fp32",
            description = "What the gradient's products multiply in: fp32, or bf16 (the convolutions' input gradients and the Gram backward "
                    + "read bfloat16 and sum in float32; the forward pass, losses, image and optimizer state stay float32), which needs a CPU "
                    + "with avx512_bf16 or amx_bf16. Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the kernels. Default: all cores.")
    Integer threads;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "67108864", description = "Refuse images declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        boolean example = content == null && styles == null;
        if (!example && (content == null || styles == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give both --content and --style (or neither, to stylize the bundled examples)");
        }
        if (!example && out == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out is required with --content");
        Path output = out != null ? out : Path.of("example-stylized.png");
        checkSettings();
        ImageFiles.checkWritable(output);
        if (logJson != null) checkWritableFile(logJson);
        if (plot != null) checkWritableFile(plot);
        Backend backend = Backend.current();
        if (device.equals("cuda") && !backend.device().equals("cuda")) {
            throw new UnsupportedOptionException("--device cuda: this build loads the CPU backend (" + backend.library() + "); rebuild with `mvn -Pcuda` on a machine with CUDA 11.6");
        }
        if (device.equals("cpu") && !backend.device().equals("cpu")) {
            throw new UnsupportedOptionException("--device cpu: this build loads the CUDA backend; rebuild without -Pcuda for CPU");
        }
        String noPrecision = Precision.parse(precision).unavailableReason();
        if (noPrecision != null) throw new UnsupportedOptionException("--precision " + precision.trim().toLowerCase(Locale.ROOT) + ": " + noPrecision);
        if (threads != null) Backend.setThreads(threads);
        System.err.println("stylegrad: " + Backend.current().report());
        if (defaultSchedule) {
            System.err.printf(Locale.ROOT, "stylegrad: the default schedule: %d steps at %d px, then %d at %d px (--size N --steps N runs one scale)%n",
                    DEFAULT_STEPS[0], DEFAULT_SCALES[0], DEFAULT_STEPS[1], DEFAULT_SCALES[1]);
        }

        RgbImage contentImage = example ? bundled(EXAMPLE_CONTENT) : readImage(content);
        checkLbfgsFits(contentImage);
        OutputPreflight.check(plannedOutputs(output, contentImage));
        List<RgbImage> styleImages = new ArrayList<>();
        if (example) styleImages.add(bundled(EXAMPLE_STYLE));
        else for (Path s : styles) styleImages.add(readImage(s));
        Path weightsFile = weightsOrFetch(weights);
        // Checkpoints: the resumed one (its settings must be ours) and where new ones go.
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        Fingerprint fingerprint = checkpointDir == null ? null : RunFingerprint.of(this, weightsFile, example);
        Checkpoint resumed = resume == null ? null : resumable(resume, fingerprint);
        if (resumed != null) checkResumedSteps(resume, resumed);
        boolean sameDir = resume != null && checkpointDir.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize());
        if (checkpoint != null && !sameDir) checkFreshCheckpointDir(checkpoint);

        StyleTransfer.Builder builder = StyleTransfer.builder().content(contentImage).style(styleImages.toArray(new RgbImage[0]))
                .weights(weightsFile).pooling(Vgg.Pooling.parse(pooling)).size(size).styleScale(styleScale)
                .contentLayers(LayerWeights.parse(contentLayers)).styleLayers(LayerWeights.parse(styleLayers))
                .contentWeight(contentWeight).styleWeight(styleWeight).tvWeight(tvWeight).steps(steps)
                .optimizer(optimizer.toLowerCase(Locale.ROOT)).lr(lr).lineSearch(lineSearch).init(parseInit()).seed(seed)
                .originalColors(originalColors).precision(Precision.parse(precision))
                .notices(message -> System.err.println("stylegrad: " + message));
        switch (tile) {
            case "auto" -> builder.tileAuto();
            case "off" -> builder.tile(0);
            default -> builder.tile(Integer.parseInt(tile));
        }
        if (styleBlend != null) builder.styleBlend(styleBlend);
        if (scales != null) builder.scales(scales); // replaces .size(size): they are not given together
        builder.lbfgsHistory(lbfgsHistory);
        int[] sides = sides(), ends = scaleEnds();
        int totalSteps = ends[ends.length - 1];
        int startStep = resumed == null ? 0 : resumed.completedSteps();
        if (resumed != null) {
            builder.resumeFrom(startStep, resumed.image(), resumed.optimizerState());
            int k = resumed.scale();
            System.err.println("stylegrad: resuming from " + resume + " after step " + startStep + " of " + totalSteps
                    + (sides.length > 1 ? " (scale " + (k + 1) + "/" + sides.length + ", " + sides[k] + " px)" : ""));
        }
        builder.build(); // validates the whole configuration before the log file is opened

        ObjectMapper json = new ObjectMapper();
        BufferedWriter log = logJson == null ? null : Files.newBufferedWriter(logJson);
        CountDownLatch saved = new CountDownLatch(1);
        List<Objective.Evaluation> losses = new ArrayList<>();
        // Every step's losses since step 0, for checkpoints. A resumed run starts from the checkpoint's and rewrites
        // the log from them: lines the killed run logged after its checkpoint are dropped, then logged again.
        List<Checkpoint.LoggedStep> logged = new ArrayList<>();
        if (resumed != null) {
            for (Checkpoint.LoggedStep l : resumed.losses()) {
                writeLog(json, log, logged.size(), l.losses(), l.seconds(), sides[scaleOf(logged.size(), ends)]);
                logged.add(l);
                losses.add(l.losses());
            }
        }
        int ckptEvery = checkpointEvery != null ? checkpointEvery : saveEvery;
        int[] lastCheckpoint = {sameDir ? startStep : -1}; // the loaded checkpoint need not be written again
        AtomicReference<StyleTransfer> running = new AtomicReference<>();
        AtomicBoolean interrupted = new AtomicBoolean();
        Integer pauseAfter = Integer.getInteger(PAUSE_AFTER_STEP);
        String pauseFile = System.getProperty(PAUSE_FILE);
        int every = Math.max(1, totalSteps / 20);
        Progress progress = Progress.steps("style", totalSteps, every);
        double[] scaleClock = {-1, 0, 0}; // the scale being timed, when its first step (in this process) began, steps since
        builder.listener(step -> {
            losses.add(step.losses());
            logged.add(new Checkpoint.LoggedStep(step.losses(), step.seconds()));
            writeLog(json, log, step.index(), step.losses(), step.seconds(), step.scaleSide());
            // Seconds per step at this scale (steps at a larger scale take longer: each is timed on its own).
            long now = System.nanoTime();
            if (scaleClock[0] != step.scale()) {
                scaleClock[0] = step.scale();
                scaleClock[1] = now - step.seconds() * 1e9;
                scaleClock[2] = 0;
            }
            scaleClock[2]++;
            double perStep = (now - scaleClock[1]) / 1e9 / scaleClock[2];
            double eta = secondsLeft(step.index() + 1, step.scale(), perStep, sides, ends, contentImage);
            progress.eta(eta);
            Objective.Evaluation l = step.losses();
            String tv = tvWeight > 0 ? String.format(Locale.ROOT, " tv %.3g", l.tv()) : "";
            String at = sides.length > 1 ? String.format(Locale.ROOT, "scale %d/%d (%d px)  ", step.scale() + 1, sides.length, step.scaleSide()) : "";
            // A live bar shows elapsed time and ETA itself and has one terminal line: keep its message short.
            progress.update(step.index() + 1, progress.live()
                    ? String.format(Locale.ROOT, "%sloss %.3g (c %.2g s %.3g%s) %.2fs/step", at, l.total(), l.content(), l.style(), tv, perStep)
                    : String.format(Locale.ROOT, "%stotal %.4g  content %.4g  style %.4g%s  %.2f s/step  ETA %s", at, l.total(), l.content(),
                            l.style(), tv, perStep, duration(eta)));
            if (saveEvery > 0 && (step.index() + 1) % saveEvery == 0 && step.index() + 1 < totalSteps) {
                writeImage(step.image(), output);
                if (!progress.live()) System.err.println("stylegrad: saved the image after step " + (step.index() + 1) + " to " + output);
            }
            if (checkpointDir != null && ckptEvery > 0 && (step.index() + 1) % ckptEvery == 0 && step.index() + 1 < totalSteps) {
                saveCheckpoint(checkpointDir, running.get(), fingerprint, logged, lastCheckpoint, !progress.live());
            }
            if (pauseAfter != null && pauseFile != null && pauseAfter == step.index() + 1) pauseForTest(Path.of(pauseFile), interrupted);
        });
        StyleTransfer transfer = builder.build();
        running.set(transfer);
        Thread onInterrupt = new Thread(() -> {
            interrupted.set(true);
            transfer.cancel();
            try {
                saved.await(120, TimeUnit.SECONDS); // let the run loop finish its step and save the image
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "stylegrad-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        StyleTransfer.Result result;
        try {
            result = transfer.run();
        } catch (Throwable failed) {
            // Nothing to wait for at exit: without this, the hook would hold the exit for its full timeout.
            saved.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting already
            }
            throw failed;
        } finally {
            progress.close();
            if (log != null) log.close();
        }
        try {
            ImageFiles.write(result.image(), output);
            // At the end too (so --steps can be raised later) and on Ctrl-C; after a divergence the last one stays.
            if (checkpointDir != null && result.reason() != StyleTransfer.StopReason.DIVERGED) {
                saveCheckpoint(checkpointDir, transfer, fingerprint, logged, lastCheckpoint, true);
            }
            if (plot != null && !losses.isEmpty()) LossPlot.write(losses, plotScales(sides, ends), "stylegrad: " + output.getFileName(), plot);
            summarize(result, output, example);
        } finally {
            saved.countDown(); // only now may a Ctrl-C shutdown proceed: the image and the summary are out
        }
        if (result.reason() != StyleTransfer.StopReason.CANCELLED) Runtime.getRuntime().removeShutdownHook(onInterrupt);
        return switch (result.reason()) {
            case COMPLETED, CONVERGED -> ExitCode.OK;
            case CANCELLED -> ExitCode.INTERRUPTED;
            case DIVERGED -> ExitCode.DIVERGED;
        };
    }

    /** {@link #PAUSE_AFTER_STEP}: creates {@code file}, then waits (at most 10 minutes) until it is gone or Ctrl-C came. */
    private static void pauseForTest(Path file, AtomicBoolean interrupted) {
        try {
            Files.createFile(file);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (Files.exists(file) && !interrupted.get() && System.nanoTime() < deadline) Thread.sleep(10);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkSettings() throws BadInputException {
        try {
            LayerWeights.parse(contentLayers);
            LayerWeights.parse(styleLayers);
            Vgg.Pooling.parse(pooling);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        try {
            Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--precision must be fp32 or bf16, got '" + precision + "'");
        }
        if (!List.of("auto", "cpu", "cuda").contains(device)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--device must be auto, cpu or cuda, got '" + device + "'");
        }
        if (!optimizer.equalsIgnoreCase("adam") && !optimizer.equalsIgnoreCase("lbfgs")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--optimizer must be adam or lbfgs, got '" + optimizer + "'");
        }
        if (!tile.equals("auto") && !tile.equals("off") && !(tile.matches("[0-9]{1,9}") && Integer.parseInt(tile) >= 16)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tile must be auto, off or a tile side of at least 16 pixels, got '" + tile + "'");
        }
        if (threads != null && threads < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1");
        if (saveEvery < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--save-every must be >= 0");
        if (checkpointEvery != null && checkpointEvery < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--checkpoint-every must be >= 0");
        if (checkpointEvery != null && checkpoint == null && resume == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--checkpoint-every needs --checkpoint DIR (or --resume DIR)");
        }
        checkSchedule();
        if (lbfgsHistory < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--lbfgs-history must be at least 1, got " + lbfgsHistory);
    }

    /**
     * The schedule of a run that names none of --size, --scales and --steps: a coarse scale, then 512 px. On the
     * bundled example it ends at a lower loss than 500 steps at 512 px in 65% of the time (README, "The default
     * schedule"): the coarse steps cost a third of the fine ones and lay out the large strokes the fine scale refines.
     */
    static final int[] DEFAULT_SCALES = {256, 512}, DEFAULT_STEPS = {400, 200};

    private boolean defaultSchedule;

    /**
     * The default schedule when no scale or step count is given; then --size or --scales (not both), one --steps count
     * per scale, scales growing: usage errors otherwise.
     */
    void checkSchedule() {
        picocli.CommandLine cl = spec.commandLine();
        picocli.CommandLine.ParseResult parsed = cl.getParseResult();
        if (parsed != null && !parsed.hasMatchedOption("--size") && !parsed.hasMatchedOption("--scales") && !parsed.hasMatchedOption("--steps")) {
            scales = DEFAULT_SCALES.clone();
            steps = DEFAULT_STEPS.clone();
            defaultSchedule = true;
        }
        if (scales != null && parsed != null && parsed.hasMatchedOption("--size")) {
            throw new picocli.CommandLine.ParameterException(cl, "give either --size (one scale) or --scales (several), not both");
        }
        int[] sides = sides();
        if (steps.length != sides.length) {
            throw new picocli.CommandLine.ParameterException(cl, scales == null
                    ? "--steps gives " + steps.length + " counts (" + join(steps) + ") but there is one scale: give --scales with as many longer sides for a multi-scale run"
                    : "--scales gives " + sides.length + " scales (" + join(sides) + ") but --steps gives " + steps.length + " count" + (steps.length == 1 ? "" : "s")
                            + " (" + join(steps) + "): give one --steps count per scale, e.g. --steps " + join(exampleSteps(sides.length)));
        }
        for (int k = 0; k < sides.length; k++) {
            if (steps[k] < 0) throw new picocli.CommandLine.ParameterException(cl, "--steps must be >= 0, got " + steps[k]);
            if (sides.length > 1 && steps[k] == 0) {
                throw new picocli.CommandLine.ParameterException(cl, "--steps: every scale needs at least one step, but scale " + (k + 1) + " (" + sides[k] + " px) has 0");
            }
            if (scales != null && sides[k] < 16) throw new picocli.CommandLine.ParameterException(cl, "--scales: each scale must be at least 16 px, got " + sides[k]);
            if (k > 0 && sides[k] <= sides[k - 1]) {
                throw new picocli.CommandLine.ParameterException(cl, "--scales must grow from one scale to the next, got " + join(sides) + " (" + sides[k]
                        + " px after " + sides[k - 1] + " px)");
            }
        }
    }

    /** 300, 150, 60, ...: halving per scale, as each scale's steps cost about four times the one before. */
    private static int[] exampleSteps(int n) {
        int[] e = new int[n];
        for (int k = 0; k < n; k++) e[k] = Math.max(10, 300 >> k);
        return e;
    }

    private static String join(int[] values) {
        return java.util.Arrays.stream(values).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** The longer side of each scale: --scales, or the one --size. */
    int[] sides() {
        return scales != null ? scales.clone() : new int[] {size};
    }

    /** The global step count after each scale. */
    private int[] scaleEnds() {
        int[] ends = new int[steps.length];
        for (int k = 0, sum = 0; k < ends.length; k++) ends[k] = sum += steps[k];
        return ends;
    }

    /** The scale (0-based) that runs step {@code index}. */
    private static int scaleOf(int index, int[] ends) {
        int k = 0;
        while (k < ends.length - 1 && index >= ends[k]) k++;
        return k;
    }

    /**
     * Seconds the run still needs after {@code done} steps, at {@code perStep} seconds a step at scale {@code scale}:
     * the rest of this scale at that speed, each later scale in proportion to its pixels (a step's cost grows with
     * them), so the estimate is for the whole run from the first step on.
     */
    private static double secondsLeft(int done, int scale, double perStep, int[] sides, int[] ends, RgbImage content) {
        double left = perStep * Math.max(0, ends[scale] - done);
        double pixels = pixels(content, sides[scale]);
        for (int k = scale + 1; k < sides.length; k++) left += perStep * (ends[k] - ends[k - 1]) * pixels(content, sides[k]) / pixels;
        return left;
    }

    private static double pixels(RgbImage content, int side) {
        int[] wh = Resampler.fitMaxSideDimensions(content.width(), content.height(), side);
        return (double) wh[0] * wh[1];
    }

    /** The plot's scale marks: each scale's first step and side (nothing for one scale). */
    private static List<LossPlot.Scale> plotScales(int[] sides, int[] ends) {
        List<LossPlot.Scale> marks = new ArrayList<>();
        if (sides.length < 2) return marks;
        for (int k = 0; k < sides.length; k++) marks.add(new LossPlot.Scale(k == 0 ? 0 : ends[k - 1], sides[k] + " px"));
        return marks;
    }

    /**
     * L-BFGS at the largest scale must fit its history in memory: refused with exit code 3 before anything is
     * written, naming a --lbfgs-history that would fit.
     */
    private void checkLbfgsFits(RgbImage contentImage) {
        if (!optimizer.equalsIgnoreCase("lbfgs")) return;
        int[] sides = sides();
        int[] wh = Resampler.fitMaxSideDimensions(contentImage.width(), contentImage.height(), sides[sides.length - 1]);
        MemoryCheck.checkLbfgs(lbfgsHistory, wh[0], wh[1], "--lbfgs-history");
    }

    /**
     * A resume may raise --steps of the checkpoint's scale and change later ones, but the scales before it ran
     * exactly their steps, and the checkpoint's scale has already run some: a schedule that disagrees would not give
     * the result it describes. Lists each difference, like the fingerprint's.
     */
    private void checkResumedSteps(Path dir, Checkpoint c) throws CheckpointException {
        int[] sides = sides(), ends = scaleEnds(), saved = c.stepsPerScale();
        int k = c.scale();
        List<String> differences = new ArrayList<>();
        if (k >= sides.length) {
            differences.add("the checkpoint is at scale " + (k + 1) + ", given " + sides.length + " scale(s)");
        } else {
            for (int j = 0; j < k; j++) {
                int was = saved != null && j < saved.length ? saved[j] : -1;
                if (was != steps[j]) differences.add("--steps of scale " + (j + 1) + " (" + sides[j] + " px, completed): checkpoint " + (was < 0 ? "(not recorded)" : was) + ", given " + steps[j]);
            }
            int doneHere = c.completedSteps() - (k == 0 ? 0 : ends[k - 1]);
            if (differences.isEmpty() && doneHere > steps[k]) {
                differences.add("--steps of scale " + (k + 1) + (sides.length > 1 ? " (" + sides[k] + " px)" : "") + ": the checkpoint has already run "
                        + doneHere + ", given " + steps[k]);
            }
        }
        if (!differences.isEmpty()) {
            throw new CheckpointException("--resume " + dir + ": the checkpoint's completed steps do not fit the --steps given:\n  "
                    + String.join("\n  ", differences) + "\nGive the checkpoint's step counts for the scales it has completed and at least "
                    + "the steps it has run for its current scale (later scales may change), or start a new run without --resume.");
        }
    }

    /** The checkpoint in {@code dir}, if it was made with the settings given now. */
    private static Checkpoint resumable(Path dir, Fingerprint given) throws CheckpointException {
        Checkpoint c = CheckpointStore.read(dir);
        List<String> differences = RunFingerprint.upgraded(c.fingerprint(), c.optimizer()).differences(given);
        if (!differences.isEmpty()) {
            throw new CheckpointException("--resume " + dir + ": the checkpoint was made with other settings:\n  "
                    + String.join("\n  ", differences) + "\nGive the checkpoint's values to continue it (--steps may differ),"
                    + " or start a new run without --resume.");
        }
        return c;
    }

    /** A new run must not overwrite another run's checkpoint: that is the work --checkpoint exists to keep. */
    private static void checkFreshCheckpointDir(Path dir) throws CheckpointException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new CheckpointException("--checkpoint " + dir + ": exists and is not a directory");
        if (CheckpointStore.exists(dir)) {
            throw new CheckpointException("--checkpoint " + dir + ": already holds a checkpoint; continue it with --resume " + dir
                    + ", or give another directory (or delete this one) to start over");
        }
    }

    /** Writes a checkpoint of the last completed step unless that step is already the checkpoint's. */
    private void saveCheckpoint(Path dir, StyleTransfer transfer, Fingerprint fingerprint, List<Checkpoint.LoggedStep> logged,
                                int[] lastCheckpoint, boolean report) {
        StyleTransfer.Snapshot s = transfer.snapshot().orElse(null);
        if (s == null || s.completedSteps() == lastCheckpoint[0]) return;
        long t0 = System.nanoTime();
        try {
            CheckpointStore.write(dir, new Checkpoint(s.completedSteps(), s.image(), optimizer.toLowerCase(Locale.ROOT), s.optimizerState(),
                    fingerprint, logged.subList(0, s.completedSteps()), s.scale(), steps));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        lastCheckpoint[0] = s.completedSteps();
        if (report) {
            System.err.printf(Locale.ROOT, "stylegrad: checkpoint after step %d in %s (%.2f s)%n", s.completedSteps(), dir, (System.nanoTime() - t0) / 1e9);
        }
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

    private static void writeLog(ObjectMapper json, BufferedWriter log, int index, Objective.Evaluation losses, double seconds, int scaleSide) {
        if (log == null) return;
        ObjectNode n = json.createObjectNode();
        n.put("step", index);
        n.put("content", losses.content());
        n.put("style", losses.style());
        n.put("tv", losses.tv());
        n.put("total", losses.total());
        n.put("seconds", seconds);
        n.put("scale", scaleSide); // the longer side of the step's scale, on every line (one scale too: one format)
        try {
            log.write(json.writeValueAsString(n));
            log.newLine();
            log.flush(); // a crash keeps every finished step
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeImage(RgbImage image, Path output) {
        try {
            ImageFiles.write(image, output);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What this run will write, with upper bounds on the sizes, for {@link OutputPreflight}. */
    private List<OutputPreflight.Planned> plannedOutputs(Path output, RgbImage contentImage) {
        int[] sides = sides();
        int[] wh = Resampler.fitMaxSideDimensions(contentImage.width(), contentImage.height(), sides[sides.length - 1]); // the largest scale
        int totalSteps = scaleEnds()[sides.length - 1];
        List<OutputPreflight.Planned> planned = new ArrayList<>();
        // An atomic write needs room for the new file while the old one still exists.
        planned.add(new OutputPreflight.Planned(output, OutputPreflight.imageBytes(wh[0], wh[1]), "output image"));
        if (logJson != null) planned.add(new OutputPreflight.Planned(logJson, 220L * (totalSteps + 1), "--log-json log"));
        if (plot != null) planned.add(new OutputPreflight.Planned(plot, 512 * 1024, "--plot image"));
        Path checkpointDir = checkpoint != null ? checkpoint : resume;
        if (checkpointDir != null) {
            // The image and the optimizer's arrays as float32 at the largest scale (Adam: 2; L-BFGS: up to
            // --lbfgs-history curvature pairs and 3 more), twice: a new checkpoint is complete before the old one is deleted.
            long arrays = 1 + (optimizer.equalsIgnoreCase("adam") ? 2 : 3 + 2L * lbfgsHistory);
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
                duration(r.seconds()), done == 0 ? 0.0 : r.seconds() / done,
                last == null ? "" : String.format(Locale.ROOT, "; last losses total %.4g content %.4g style %.4g tv %.4g", last.total(), last.content(), last.style(), last.tv()),
                output.toAbsolutePath(), example ? " (the bundled example; see `stylegrad run --help` for your own images)" : "");
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
