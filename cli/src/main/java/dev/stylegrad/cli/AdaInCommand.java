package dev.stylegrad.cli;

import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.WeightsLocation;
import dev.stylegrad.style.TilePolicy;
import dev.stylegrad.style.adain.AdaInStylizer;
import dev.stylegrad.style.feedforward.TrainingImages;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
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
 * {@code stylegrad adain}: any style in one pass (Huang and Belongie's adaptive instance normalization, as
 * pytorch-AdaIN's {@code test.py}), for one picture or a folder of them, the networks loaded once.
 */
@Command(name = "adain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stylize pictures with any style picture in one pass of the AdaIN networks (pytorch-AdaIN's vgg_normalised.pth and "
                + "decoder.pth, or a decoder from `train-adain`), at any size: large pictures go in exact tiles.",
            "Results are named as the reference names them: CONTENT_stylized_STYLE.png, or CONTENT_interpolation.png for a blend."})
final class AdaInCommand implements Callable<Integer> {
    @Option(names = "--content", required = true, paramLabel = "FILE|DIR", description = "A picture (PNG or JPEG), or a folder whose pictures are stylized in name order.")
    Path content;

    @Option(names = "--style", required = true, split = ",", paramLabel = "FILE", description = "The style picture; several, comma-separated, give one result each, or one blend with --style-blend.")
    List<Path> styles;

    @Option(names = "--style-blend", split = ",", paramLabel = "W", description = "Blend the styles with these weights (one per style, normalized by their sum; the reference's --style_interpolation_weights).")
    List<Double> blend;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "1", description = "How much style, 0..1: 0 decodes the content's own features. Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--original-colors", description = "Keep the content's colours: each style first takes them (the reference's coral --preserve_color).")
    boolean originalColors;

    @Option(names = "--content-size", paramLabel = "N", defaultValue = "512", description = "Scale each content picture so its shorter side is N (0: its own size). Default: ${DEFAULT-VALUE}.")
    int contentSize;

    @Option(names = "--style-size", paramLabel = "N", defaultValue = "512", description = "Scale each style picture so its shorter side is N (0: its own size). Default: ${DEFAULT-VALUE}.")
    int styleSize;

    @Option(names = "--vgg", paramLabel = "FILE", description = "The encoder (default: vgg_normalised.pth in the weights location).")
    Path vgg;

    @Option(names = "--decoder", paramLabel = "FILE", description = "The decoder (default: decoder.pth in the weights location).")
    Path decoderFile;

    @Option(names = "--tile", paramLabel = "N|auto|off", defaultValue = "auto", description = "Exact tiles of N pixels; auto (the default) tiles only when the "
            + "untiled pass would not fit in half the memory available.")
    String tile;

    @Option(names = "--out", required = true, paramLabel = "FILE|DIR", description = "The result (.png or .jpg, written atomically); a folder for a folder of contents or several styles without a blend.")
    Path out;

    @picocli.CommandLine.Mixin
    ConvAlgorithmOption convAlgorithm = new ConvAlgorithmOption();

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS, description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One result: a content picture, the styles it takes (one, or all of them blended), and where it goes. */
    private record Job(Path content, List<Integer> styles, Path result) {}

    @Override
    public Integer call() throws Exception {
        if (contentSize < 0) usage("--content-size must be 0 (the picture's own size) or positive, got " + contentSize);
        if (styleSize < 0) usage("--style-size must be 0 (the picture's own size) or positive, got " + styleSize);
        if (!(alpha >= 0 && alpha <= 1)) usage("--alpha must be between 0 and 1, got " + alpha);
        if (blend != null && blend.size() != styles.size()) usage("--style-blend has " + blend.size() + " weights for " + styles.size() + " styles");
        convAlgorithm.apply();
        TilePolicy tiles = TilePolicy.parse(tile);
        boolean folder = Files.isDirectory(content);
        List<Path> contents = folder ? folderPictures() : List.of(existing(content, "--content"));
        for (Path s : styles) existing(s, "--style");
        List<Job> jobs = plan(contents, folder);
        Path encoderFile = networkFile(vgg, false), decoderPath = networkFile(decoderFile, true);
        long t0 = System.nanoTime();
        AdaInEncoder encoder = AdaInEncoder.load(encoderFile);
        AdaInDecoder decoder = AdaInDecoder.load(decoderPath);
        System.err.printf(Locale.ROOT, "stylegrad: loaded %s and %s in %.2f s%n", encoderFile, decoderPath, (System.nanoTime() - t0) / 1e9);
        AdaInStylizer stylizer = AdaInStylizer.builder(encoder, decoder).alpha(alpha).preserveColors(originalColors).tiles(tiles)
                .progress(line -> System.err.println("stylegrad: " + line)).build();
        List<RgbImage> stylePictures = new ArrayList<>();
        for (Path s : styles) stylePictures.add(read(s, styleSize));
        double[] weights = blend == null ? null : blend.stream().mapToDouble(Double::doubleValue).toArray();
        List<String> failed = new ArrayList<>();
        int written = 0;
        for (Job job : jobs) {
            long t = System.nanoTime();
            RgbImage result;
            try {
                RgbImage picture = read(job.content(), contentSize);
                int n = stylizer.tileCount(picture.height(), picture.width());
                if (n > 1) System.err.printf(Locale.ROOT, "stylegrad: %s: %dx%d in %d tiles%n", job.content(), picture.width(), picture.height(), n);
                List<RgbImage> s = job.styles().stream().map(stylePictures::get).toList();
                result = stylizer.stylize(picture, s, s.size() > 1 ? weights : null);
            } catch (IOException | RuntimeException | Error e) { // one picture, whatever is wrong with it, never ends a folder's run
                if (e instanceof dev.stylegrad.style.SettingsException se) throw se;
                String why = e instanceof OutOfMemoryError ? "ran out of memory stylizing it (give --tile, or a smaller --content-size)"
                        : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                if (!folder) throw new BadInputException(why.startsWith(job.content().toString()) ? why : job.content() + ": " + why);
                failed.add(job.content().getFileName().toString());
                System.err.println("stylegrad: skipped " + job.content() + ": " + why);
                continue;
            }
            try {
                ImageFiles.write(result, job.result());
            } catch (IOException e) {
                throw new BadInputException(e.getMessage() + (jobs.size() > 1 ? String.format(Locale.ROOT, "; stopped after %d of %d results", written, jobs.size()) : ""));
            }
            written++;
            System.err.printf(Locale.ROOT, "stylegrad: %s -> %s (%dx%d, %.2f s)%n", job.content(), job.result(), result.width(), result.height(), (System.nanoTime() - t) / 1e9);
        }
        if (jobs.size() > 1) System.err.printf(Locale.ROOT, "stylegrad: %d of %d results written to %s%n", written, jobs.size(), out);
        if (!failed.isEmpty()) throw new BadInputException(failed.size() + " of " + contents.size() + " pictures could not be stylized: " + String.join(", ", failed));
        return ExitCode.OK;
    }

    private RgbImage read(Path file, int size) throws IOException {
        RgbImage picture = ImageFiles.read(file, maxPixels);
        picture.conversions().forEach(c -> System.err.println("stylegrad: " + file + ": " + c));
        return size == 0 ? picture : Resampler.fitShorterSide(picture, size);
    }

    private static Path existing(Path file, String option) throws BadInputException {
        if (!Files.exists(file)) throw new BadInputException(option + " " + file + ": no such file");
        if (Files.isDirectory(file)) throw new BadInputException(option + " " + file + ": is a folder; give a picture");
        return file;
    }

    private Path networkFile(Path explicit, boolean decoder) throws BadInputException {
        Path f = WeightsLocation.resolveAdaIn(explicit, decoder);
        if (Files.isDirectory(f)) throw new BadInputException(f + ": is a directory, not a network file");
        if (!Files.isRegularFile(f)) throw new BadInputException(WeightsLocation.howToGetAdaIn(f, decoder));
        return f;
    }

    private List<Path> folderPictures() throws IOException, BadInputException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(content)) {
            list.filter(Files::isRegularFile).filter(TrainingImages::isPicture).sorted().forEach(files::add);
        }
        if (files.isEmpty()) throw new BadInputException(content + ": no .png, .jpg or .jpeg files in this folder");
        return files;
    }

    /** Every result's place, checked before any work: a folder where several results go, never over an input. */
    private List<Job> plan(List<Path> contents, boolean folder) throws IOException, BadInputException {
        boolean blended = blend != null && styles.size() > 1;
        boolean several = folder || (!blended && styles.size() > 1);
        List<Job> jobs = new ArrayList<>();
        if (several) {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new BadInputException("--out " + out + ": " + (folder ? "--content is a folder" : "several styles without --style-blend give one result each")
                        + ", so --out must be a folder, but it is a file");
            }
            if (folder && Files.isDirectory(out) && Files.isSameFile(out, content)) usage("--out " + out + " is the --content folder; give another folder");
            Files.createDirectories(out);
            OutputPreflight.check(List.of(new OutputPreflight.Planned(out.resolve("picture"), OutputPreflight.PROBE_BYTES, "stylized pictures")));
            for (Path c : contents) {
                String stem = stem(c);
                if (blended) {
                    jobs.add(new Job(c, indices(), out.resolve(stem + "_interpolation.png")));
                } else {
                    for (int i = 0; i < styles.size(); i++) jobs.add(new Job(c, List.of(i), out.resolve(stem + "_stylized_" + stem(styles.get(i)) + ".png")));
                }
            }
        } else {
            if (Files.isDirectory(out)) throw new BadInputException("--out " + out + ": is a folder; give the result's file name (.png or .jpg)");
            for (Path p : contents) if (Files.exists(out) && Files.isSameFile(out, p)) usage("--out " + out + " is the --content picture; give another file");
            for (Path s : styles) if (Files.exists(out) && Files.isSameFile(out, s)) usage("--out " + out + " is a --style picture; give another file");
            ImageFiles.checkWritable(out);
            jobs.add(new Job(contents.get(0), indices(), out));
        }
        for (Job j : jobs) for (Path s : styles) if (Files.exists(j.result()) && Files.isSameFile(j.result(), s)) usage("the result " + j.result() + " would overwrite the style " + s);
        return jobs;
    }

    private List<Integer> indices() {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < styles.size(); i++) all.add(i);
        return all;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private void usage(String message) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
}
