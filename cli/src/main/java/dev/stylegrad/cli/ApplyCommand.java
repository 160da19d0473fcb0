package dev.stylegrad.cli;

import dev.stylegrad.style.InputImages;
import dev.stylegrad.style.feedforward.PicturePlan;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.feedforward.TrainingImages;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.MemoryScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stylegrad apply}: stylizes one picture, or every picture of a folder (e.g. a video's frames), with a trained
 * feed-forward network, one forward pass each, reusing the loaded network.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Stylize pictures with a trained feed-forward network (fast_neural_style's TransformerNet: its .pth, or a "
                + ".safetensors from `train`), one forward pass each.")
final class ApplyCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "The network: a reference .pth (either format) or .safetensors.")
    Path model;

    @Option(names = "--content", required = true, paramLabel = "FILE|DIR",
            description = "A picture (PNG or JPEG), or a folder whose PNG and JPEG files are stylized in name order.")
    Path content;

    @Option(names = "--out", required = true, paramLabel = "FILE|DIR",
            description = "The result (.png or .jpg, written atomically); with a folder as --content, a folder (created if missing) "
                    + "that gets each result under its picture's name.")
    Path out;

    @Option(names = "--size", paramLabel = "N", description = "Scale each picture so its longer side is N pixels first. Default: its own size.")
    Integer size;

    @picocli.CommandLine.Mixin
    ConvAlgorithmOption convAlgorithm = new ConvAlgorithmOption();

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS, description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One picture to stylize and where its result goes. */
    private record Job(Path picture, Path result) {}

    @Override
    public Integer call() throws Exception {
        PicturePlan.checkSize(size);
        convAlgorithm.apply();
        boolean folder = Files.isDirectory(content);
        List<Path[]> files = folder ? folderFiles() : List.<Path[]>of(singleFile());
        List<String> failed = new ArrayList<>();
        List<Job> jobs = plan(files, folder, failed);
        TransformerNet net = load();
        int written = 0;
        for (Job job : jobs) {
            long t = System.nanoTime();
            RgbImage result;
            try (MemoryScope scope = MemoryScope.open("apply")) {
                RgbImage picture = InputImages.load(job.picture(), size, maxPixels);
                picture.conversions().forEach(c -> System.err.println("stylegrad: " + job.picture() + ": " + c));
                result = Pictures.fromArray(net.apply(Pictures.toArray(picture)));
            } catch (IOException | RuntimeException | Error e) { // one picture, whatever is wrong with it, never ends a folder's run
                String why = e instanceof OutOfMemoryError ? "ran out of memory stylizing it" : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                if (!folder) throw new BadInputException(why.startsWith(job.picture().toString()) ? why : job.picture() + ": " + why);
                failed.add(job.picture().getFileName().toString());
                System.err.println("stylegrad: skipped " + job.picture() + ": " + why);
                continue;
            }
            try {
                ImageFiles.write(result, job.result());
            } catch (IOException e) {
                // A write that fails will fail for the next picture too (a full disk, a folder made read-only): stop here.
                throw new BadInputException(e.getMessage() + (folder ? String.format(Locale.ROOT, "; stopped after %d of %d pictures", written, jobs.size()) : ""));
            }
            written++;
            System.err.printf(Locale.ROOT, "stylegrad: %s -> %s (%dx%d, %.2f s)%n", job.picture(), job.result(), result.width(), result.height(),
                    (System.nanoTime() - t) / 1e9);
        }
        if (folder) System.err.printf(Locale.ROOT, "stylegrad: %d of %d pictures written to %s%n", written, files.size(), out);
        if (!failed.isEmpty()) throw new BadInputException(failed.size() + " of " + files.size() + " pictures could not be stylized: " + String.join(", ", failed));
        return ExitCode.OK;
    }

    /** The folder's pictures and their results' places, after checking the results cannot land on the pictures. */
    private List<Path[]> folderFiles() throws IOException, BadInputException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": --content is a folder, so --out must be a folder too, but it is a file");
        }
        if (Files.isDirectory(out) && Files.isSameFile(out, content)) {
            usage("--out " + out + " is the --content folder: the results would overwrite the pictures; give another folder");
        }
        List<Path[]> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(content)) {
            list.filter(Files::isRegularFile).filter(TrainingImages::isPicture).sorted()
                    .forEach(f -> files.add(new Path[] {f, out.resolve(f.getFileName().toString())}));
        }
        if (files.isEmpty()) throw new BadInputException(content + ": no .png, .jpg or .jpeg files in this folder");
        Files.createDirectories(out);
        OutputPreflight.check(List.of(new OutputPreflight.Planned(out.resolve("picture"), OutputPreflight.PROBE_BYTES, "stylized pictures")));
        return files;
    }

    private Path[] singleFile() throws IOException, BadInputException {
        if (!Files.exists(content)) throw new BadInputException(content + ": no such file or folder");
        if (Files.isDirectory(out)) throw new BadInputException("--out " + out + ": is a folder; give the result's file name (.png or .jpg)");
        if (Files.exists(out) && Files.isSameFile(out, content)) usage("--out " + out + " is the --content picture: the result would overwrite it; give another file");
        ImageFiles.checkWritable(out);
        return new Path[] {content, out};
    }

    /**
     * Every picture's size from its header, before any work: a picture the network cannot take (too small, or too
     * large for the memory) is refused (one picture) or reported and left out (a folder); a --size too large for the
     * memory is a usage error.
     */
    private List<Job> plan(List<Path[]> files, boolean folder, List<String> failed) throws IOException, BadInputException {
        List<Job> jobs = new ArrayList<>();
        for (Path[] f : files) {
            String problem;
            try {
                PicturePlan plan = PicturePlan.of(f[0], size, maxPixels);
                if (plan.ok()) {
                    jobs.add(new Job(f[0], f[1]));
                    continue;
                }
                if (plan.memory() && size != null) usage("--size " + size + ": for " + f[0] + ", " + plan.problem());
                problem = f[0] + ": " + plan.problem() + (plan.memory() ? "; give --size" : "");
            } catch (IOException e) {
                problem = e.getMessage();
            }
            if (!folder) throw new BadInputException(problem);
            failed.add(f[0].getFileName().toString());
            System.err.println("stylegrad: skipped " + problem);
        }
        return jobs;
    }

    private TransformerNet load() throws IOException {
        long t0 = System.nanoTime();
        TransformerNet net = TransformerNet.load(model).freeze(); // only applied: its convolutions may keep transformed weights
        System.err.printf(Locale.ROOT, "stylegrad: loaded %s (widths %d, %d, %d) in %.2f s%n", model, net.widths()[0], net.widths()[1],
                net.widths()[2], (System.nanoTime() - t0) / 1e9);
        return net;
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
}
