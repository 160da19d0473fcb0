package dev.stylegrad.cli;

import dev.stylegrad.io.Checksums;
import dev.stylegrad.models.PublishedWeights;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.io.WeightsDownloader;
import dev.stylegrad.models.WeightsLocation;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stylegrad weights fetch|verify|convert}. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = {"Get, check and convert the VGG19 weights.",
            "Default location: $" + WeightsLocation.ENV + " (a file or directory), else the checkout's weights/ directory,"
                    + " where the features-only safetensors cache is preferred over " + PublishedWeights.FILE_NAME + "."},
        subcommands = {WeightsCommand.Fetch.class, WeightsCommand.Verify.class, WeightsCommand.Convert.class})
final class WeightsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say what to do: fetch, verify or convert");
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Download " + PublishedWeights.FILE_NAME + " (" + PublishedWeights.SIZE + " bytes), resumably, checked against its sha256;",
                "with --model vgg16, torchvision's " + PublishedWeights.VGG16_FILE_NAME + " (the loss network of `train`), checked against the sha256 digits in its name;",
                "with --model adain, pytorch-AdaIN's " + PublishedWeights.ADAIN_ENCODER_FILE_NAME + " and " + PublishedWeights.ADAIN_DECODER_FILE_NAME + " (for `adain`), each checked against its sha256."})
    static final class Fetch implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR", description = "Directory to download into (default: the weights location).")
        Path dir;

        @Option(names = "--url", paramLabel = "URL", description = "Download from a mirror instead of the published address.")
        URI url;

        @Option(names = "--model", paramLabel = "vgg19|vgg16|adain", defaultValue = "vgg19", description = "Default: ${DEFAULT-VALUE}.")
        String model;

        @Override
        public Integer call() throws Exception {
            if (model.equalsIgnoreCase("adain")) {
                if (url != null) throw new BadInputException("--url: --model adain fetches two files; download them from your mirror yourself and put them in " + target(""));
                fetch(PublishedWeights.ADAIN_ENCODER_FILE_NAME, PublishedWeights.ADAIN_ENCODER_URL, PublishedWeights.ADAIN_ENCODER_SHA256);
                fetch(PublishedWeights.ADAIN_DECODER_FILE_NAME, PublishedWeights.ADAIN_DECODER_URL, PublishedWeights.ADAIN_DECODER_SHA256);
                return ExitCode.OK;
            }
            boolean vgg16 = model.equalsIgnoreCase("vgg16");
            if (!vgg16 && !model.equalsIgnoreCase("vgg19")) throw new BadInputException("--model must be vgg19, vgg16 or adain, got " + model);
            String name = vgg16 ? PublishedWeights.VGG16_FILE_NAME : PublishedWeights.FILE_NAME;
            String published = vgg16 ? PublishedWeights.VGG16_URL : PublishedWeights.URL;
            Path target = (dir == null ? WeightsLocation.directory() : dir).resolve(name);
            URI source = url == null ? URI.create(published) : url;
            long size = vgg16 ? -1 : PublishedWeights.SIZE;
            boolean fetched;
            try (Progress progress = Progress.bytes("fetch " + name, Math.max(size, 0))) {
                fetched = new WeightsDownloader().fetch(source, target, size, vgg16 ? PublishedWeights.VGG16_SHA256_PREFIX : PublishedWeights.SHA256,
                        (bytes, total) -> progress.update(bytes, null));
            } catch (WeightsDownloader.DownloadException e) {
                throw new BadInputException(e.getMessage() + ". If this machine is offline, download " + published
                        + " elsewhere and put it at " + target.toAbsolutePath() + (vgg16 ? "" : " (then `stylegrad weights verify`)"));
            }
            System.err.println("stylegrad: " + (fetched ? "downloaded and verified " : "already present and verified: ") + target);
            return ExitCode.OK;
        }

        private Path target(String name) {
            return (dir == null ? WeightsLocation.directory() : dir).resolve(name).toAbsolutePath();
        }

        private void fetch(String name, String published, String sha256) throws Exception {
            Path target = target(name);
            boolean fetched;
            try (Progress progress = Progress.bytes("fetch " + name, 0)) {
                fetched = new WeightsDownloader().fetch(URI.create(published), target, -1, sha256, (bytes, total) -> progress.update(bytes, null));
            } catch (WeightsDownloader.DownloadException e) {
                throw new BadInputException(e.getMessage() + ". If this machine is offline, download " + published + " elsewhere and put it at " + target);
            }
            System.err.println("stylegrad: " + (fetched ? "downloaded and verified " : "already present and verified: ") + target);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a weights file: sha256 against the published file's, and that it holds a loadable VGG19.")
    static final class Verify implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "The file (default: the weights location).")
        Path file;

        @Override
        public Integer call() throws Exception {
            Path f = Cli.weightsFile(file);
            String sha = Checksums.sha256(f);
            long size = Files.size(f);
            boolean published = sha.equals(PublishedWeights.SHA256);
            System.out.println(f + ": " + size + " bytes, sha256 " + sha);
            if (published) {
                System.out.println("  matches the published " + PublishedWeights.FILE_NAME);
            } else if (f.getFileName().toString().equals(PublishedWeights.FILE_NAME)) {
                throw new BadInputException(f + " has the published file's name but not its sha256 (expected " + PublishedWeights.SHA256
                        + ", size " + PublishedWeights.SIZE + "); it is corrupt or incomplete: delete it and run `stylegrad weights fetch`");
            } else {
                System.out.println("  not the published " + PublishedWeights.FILE_NAME + " (a converted cache or other weights)");
            }
            Vgg net = Vgg.load(f, "pool5", Vgg.Pooling.MAX);
            System.out.println("  VGG19 structure OK: 16 convolutions, widths " + net.widths());
            return ExitCode.OK;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write the 16 convolutions (features.*) of a weights file as a safetensors cache, the fast path for loading.")
    static final class Convert implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--weights", paramLabel = "FILE", description = "Source weights (default: the published .pth in the weights location).")
        Path weights;

        @Option(names = "--out", paramLabel = "FILE", description = "Output (default: " + PublishedWeights.FEATURES_FILE_NAME + " beside the source).")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path source = weights != null ? weights : WeightsLocation.directory().resolve(PublishedWeights.FILE_NAME);
            source = Cli.weightsFile(source);
            Path target = out != null ? out : source.toAbsolutePath().getParent().resolve(PublishedWeights.FEATURES_FILE_NAME);
            if (Files.isDirectory(target)) throw new BadInputException("--out " + target + ": is a folder; give the file to write");
            if (Files.exists(target) && Files.isSameFile(target, source)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out " + target + " is the source weights file: converting would overwrite it; give another --out");
            }
            OutputPreflight.check(List.of(new OutputPreflight.Planned(target, Files.size(source), "converted weights")));
            Vgg net = Vgg.load(source, "pool5", Vgg.Pooling.MAX); // validates the structure before writing anything
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            try (WeightsReader reader = WeightsFiles.open(source)) {
                for (TensorInfo t : reader.tensors()) {
                    if (t.name().startsWith("features.")) tensors.put(t.name(), reader.read(t.name()));
                }
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("format", "stylegrad-vgg19-features");
            metadata.put("source", source.getFileName().toString());
            metadata.put("source_sha256", Checksums.sha256(source));
            SafetensorsWriter.write(target, tensors, metadata);
            System.err.println("stylegrad: wrote " + tensors.size() + " tensors (widths " + net.widths() + ") to " + target
                    + " (" + Files.size(target) + " bytes, sha256 " + Checksums.sha256(target) + ")");
            return ExitCode.OK;
        }
    }
}
