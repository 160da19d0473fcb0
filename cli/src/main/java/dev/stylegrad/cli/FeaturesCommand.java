package dev.stylegrad.cli;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.style.InputImages;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.io.Npy;
import dev.stylegrad.models.Vgg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stylegrad features}: VGG19 activations of one image, one NumPy file per layer. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Write VGG19 features of an image as DIR/<layer>.npy (float32, [1,C,H,W]), preprocessed as `run` does.")
final class FeaturesCommand implements Callable<Integer> {
    @Option(names = "--weights", paramLabel = "FILE", description = "VGG19 weights (.pth or .safetensors); default: see `weights --help`.")
    Path weights;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Input image (PNG or JPEG).")
    Path image;

    @Option(names = "--layers", required = true, split = ",", paramLabel = "NAME",
            description = "Layers to write, e.g. relu1_1,conv4_2,pool5 (names: convX_Y, reluX_Y, poolN).")
    List<String> layers;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
    Path out;

    @Option(names = "--size", paramLabel = "N", defaultValue = "512",
            description = "Scale the image so its longer side is N pixels (no resampling when it already is). Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--pooling", paramLabel = "max|avg", defaultValue = "max", description = "Pooling between blocks. Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, description = "Refuse images declaring more pixels than this (default 67108864).")
    Long maxPixels;

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>(new LinkedHashSet<>(layers));
        for (String name : names) {
            if (!Vgg.layerNames().contains(name)) {
                throw new BadInputException("unknown layer '" + name + "' in --layers; valid names are conv1_1..conv5_4, relu1_1..relu5_4, pool1..pool5");
            }
        }
        Vgg.Pooling pool = Vgg.Pooling.parse(pooling);
        Path weightsFile = Cli.weightsFile(weights);
        RgbImage img = InputImages.load(image, size, maxPixels == null ? ImageFiles.DEFAULT_MAX_PIXELS : maxPixels);
        img.conversions().forEach(c -> System.err.println("stylegrad: " + image + ": " + c));
        Files.createDirectories(out);
        Vgg net = Vgg.load(weightsFile, Vgg.deepestOf(names), pool);
        Map<String, Tensor> features;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            features = net.forward(Tensor.constant(InputImages.toNetworkInput(img)), names);
        }
        for (Map.Entry<String, Tensor> e : features.entrySet()) {
            Npy.write(e.getValue().value(), out.resolve(e.getKey() + ".npy"));
        }
        System.err.printf("stylegrad: features of %s (%dx%d) at %d layer(s) written to %s%n", image, img.width(), img.height(), names.size(), out);
        return ExitCode.OK;
    }
}
