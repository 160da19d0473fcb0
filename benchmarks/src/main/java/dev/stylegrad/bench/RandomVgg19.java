package dev.stylegrad.bench;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A full-width VGG19 (torchvision's {@code features}: 16 convolutions, 64 … 512 channels) with random weights, so the
 * benchmarks need no download: weights drawn as torchvision initializes them (He normal with fan-out, zero bias),
 * written once as a features-only safetensors file under the temp directory and then reused (about 80 MB).
 */
public final class RandomVgg19 {
    private RandomVgg19() {}

    private static final int[] CONV_INDICES = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};

    /** The cached weights file for {@code seed}, written now if it does not exist yet. */
    public static synchronized Path file(long seed) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "stylegrad-bench");
        Files.createDirectories(dir);
        Path file = dir.resolve("vgg19-random-" + seed + ".safetensors");
        if (Files.isRegularFile(file)) return file; // written atomically, so a file under this name is complete
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        int in = 3;
        for (int i = 0; i < CONV_INDICES.length; i++) {
            int out = VggShapes.convs(16).get(i).outC();
            double std = Math.sqrt(2.0 / (out * 9)); // kaiming_normal_(mode="fan_out", nonlinearity="relu")
            tensors.put("features." + CONV_INDICES[i] + ".weight", Nd4j.randn(DataType.FLOAT, out, in, 3, 3).muli(std));
            tensors.put("features." + CONV_INDICES[i] + ".bias", Nd4j.zeros(DataType.FLOAT, out));
            in = out;
        }
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", "random VGG19 features for stylegrad benchmarks"));
        return file;
    }

    /** The random network through {@code deepestLayer} (e.g. relu5_1), max pooling. */
    public static Vgg load(long seed, String deepestLayer) throws IOException {
        return Vgg.load(file(seed), deepestLayer, Vgg.Pooling.MAX);
    }
}
