package dev.stylegrad.cli;

import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Writes the hostile inputs {@code train}, {@code apply} and {@code weights} are held against (HostileFeedForwardTest):
 * pictures of degenerate shapes, models holding NaN or no channels, FIFOs and devices where files belong, long names.
 * Everything is generated here from the committed fixtures, so nothing hostile is committed.
 */
final class HostileFeedForwardFiles {
    /** The narrow transformer fixture (widths 4, 8, 16) every model case starts from. */
    static final Path NARROW = ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth");

    final Path root, pictures, mixed, style, goodModel, nanModel, infModel, zeroWidthModel, fifo, thin, tiny, strip, longName;

    HostileFeedForwardFiles(Path root) throws IOException {
        this.root = root;
        pictures = Files.createDirectories(root.resolve("pictures"));
        INDArray fixture = Npy.read(Path.of("../styletransfer/src/test/fixtures/training/pictures.npy"));
        for (int k = 0; k < 4; k++) {
            ImageFiles.write(Pictures.fromArray(fixture.get(NDArrayIndex.interval(k, k + 1)).dup('c')), pictures.resolve("p" + k + ".png"));
        }
        style = root.resolve("style.png");
        ImageFiles.write(Pictures.fromArray(Npy.read(Path.of("../styletransfer/src/test/fixtures/training/style.npy"))), style);
        goodModel = root.resolve("good.safetensors");
        TransformerNet.load(NARROW).save(goodModel);
        nanModel = modelWith(root.resolve("nan.safetensors"), "res3.conv1.conv2d.weight", Float.NaN);
        infModel = modelWith(root.resolve("inf.safetensors"), "in2.bias", Float.NEGATIVE_INFINITY);
        zeroWidthModel = zeroWidthModel(root.resolve("zero-width.safetensors"));
        fifo = root.resolve("fifo");
        fifoOrNothing(fifo);
        thin = picture(root.resolve("odd/thin.png"), 1, 400_000); // 1x400000: a few hundred bytes of PNG
        tiny = picture(root.resolve("odd/tiny.png"), 1, 1);
        strip = picture(root.resolve("odd/strip.png"), 20_000, 1);
        mixed = Files.createDirectories(root.resolve("mixed")); // two usable pictures and one too elongated to resize
        Files.copy(pictures.resolve("p0.png"), mixed.resolve("p0.png"));
        Files.copy(pictures.resolve("p1.png"), mixed.resolve("p1.png"));
        Files.copy(thin, mixed.resolve("thin.png"));
        longName = root.resolve("long/" + "n".repeat(240) + ".png"); // 244 characters: a temporary name must still fit
        Files.createDirectories(longName.getParent());
        Files.copy(pictures.resolve("p0.png"), longName);
    }

    /** The narrow model with one element of {@code tensor} set to {@code value}. */
    private static Path modelWith(Path file, String tensor, float value) throws IOException {
        TransformerNet net = TransformerNet.load(NARROW);
        net.parameters().get(tensor).value().putScalar(0, value);
        net.save(file);
        return file;
    }

    /** A safetensors file whose first convolution has no output channels (a writer that lost its shapes). */
    private static Path zeroWidthModel(Path file) throws IOException {
        String header = "{\"conv1.conv2d.weight\":{\"dtype\":\"F32\",\"shape\":[0,3,9,9],\"data_offsets\":[0,0]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(file, b.array());
        return file;
    }

    /** A picture of seeded noise (a constant one would be a hostile input of its own: see the training case). */
    private static Path picture(Path file, int width, int height) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom random = new java.util.SplittableRandom(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) img.setRGB(x, y, random.nextInt(1 << 24));
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** A FIFO at {@code file} (mkfifo); absent where mkfifo is not available, and the cases using it are skipped. */
    private static void fifoOrNothing(Path file) {
        try {
            new ProcessBuilder("mkfifo", file.toString()).inheritIO().start().waitFor();
        } catch (IOException e) {
            // no mkfifo here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean hasFifo() {
        return Files.exists(fifo) && !Files.isRegularFile(fifo);
    }

    /** Every regular file under the root with its content's hash, to show nothing was overwritten or left behind. */
    Map<Path, String> snapshot() throws IOException {
        Map<Path, String> files = new LinkedHashMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) files.put(root.relativize(p), dev.stylegrad.io.Checksums.sha256(p));
        }
        return files;
    }
}
