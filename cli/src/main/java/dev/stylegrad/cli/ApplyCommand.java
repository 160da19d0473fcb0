package dev.stylegrad.cli;

import dev.stylegrad.style.InputImages;
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

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "67108864", description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @Override
    public Integer call() throws Exception {
        if (size != null && size < 16) throw new BadInputException("--size must be at least 16 pixels, got " + size);
        boolean folder = Files.isDirectory(content);
        List<Path[]> jobs = new ArrayList<>();
        if (folder) {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new BadInputException("--out " + out + ": --content is a folder, so --out must be a folder too, but it is a file");
            }
            try (Stream<Path> files = Files.list(content)) {
                files.filter(Files::isRegularFile).filter(TrainingImages::isPicture).sorted()
                        .forEach(f -> jobs.add(new Path[] {f, out.resolve(f.getFileName().toString())}));
            }
            if (jobs.isEmpty()) throw new BadInputException(content + ": no .png, .jpg or .jpeg files in this folder");
            Files.createDirectories(out);
        } else {
            if (!Files.isRegularFile(content)) throw new BadInputException(content + ": no such file or folder");
            ImageFiles.checkWritable(out);
            jobs.add(new Path[] {content, out});
        }
        long t0 = System.nanoTime();
        TransformerNet net = TransformerNet.load(model);
        System.err.printf(Locale.ROOT, "stylegrad: loaded %s (widths %d, %d, %d) in %.2f s%n", model, net.widths()[0], net.widths()[1],
                net.widths()[2], (System.nanoTime() - t0) / 1e9);
        int written = 0;
        List<String> failed = new ArrayList<>();
        for (Path[] job : jobs) {
            long t = System.nanoTime();
            try (MemoryScope scope = MemoryScope.open("apply")) {
                RgbImage picture = InputImages.load(job[0], size, maxPixels);
                picture.conversions().forEach(c -> System.err.println("stylegrad: " + job[0] + ": " + c));
                ImageFiles.write(Pictures.fromArray(net.apply(Pictures.toArray(picture))), job[1]);
                written++;
                System.err.printf(Locale.ROOT, "stylegrad: %s -> %s (%dx%d, %.2f s)%n", job[0], job[1], picture.width(), picture.height(),
                        (System.nanoTime() - t) / 1e9);
            } catch (IOException | IllegalArgumentException e) {
                if (!folder) throw e;
                failed.add(job[0].getFileName().toString());
                System.err.println("stylegrad: skipped " + job[0] + ": " + e.getMessage());
            }
        }
        if (folder) System.err.printf(Locale.ROOT, "stylegrad: %d of %d pictures written to %s%n", written, jobs.size(), out);
        if (!failed.isEmpty()) throw new BadInputException(failed.size() + " of " + jobs.size() + " pictures could not be read: " + String.join(", ", failed));
        return ExitCode.OK;
    }
}
