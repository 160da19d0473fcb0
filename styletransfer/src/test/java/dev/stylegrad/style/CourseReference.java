package dev.stylegrad.style;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The committed PyTorch reference run (fixtures/course, made by make_course_fixtures.py) and comparison helpers. */
final class CourseReference {
    static final Path DIR = Path.of("src/test/fixtures/course");
    static final Path MINI_WEIGHTS = Path.of("../vgg-loader/src/test/fixtures/mini_vgg19/mini_vgg19_legacy.pth");

    private CourseReference() {}

    static RgbImage content() throws IOException {
        return ImageFiles.read(DIR.resolve("content.png"), 1 << 20);
    }

    static RgbImage style() throws IOException {
        return ImageFiles.read(DIR.resolve("style.png"), 1 << 20);
    }

    /** Rows of {step, content, style, tv, total} from a JSON-lines log. */
    static List<double[]> readLog(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            JsonNode n = json.readTree(line);
            rows.add(new double[] {n.get("step").asDouble(), n.get("content").asDouble(), n.get("style").asDouble(),
                n.get("tv").asDouble(), n.get("total").asDouble()});
        }
        return rows;
    }

    /** |a − b| / |b|, with |b| floored at 1e-9 of the step's total so exact zeros (step 0's content loss) compare. */
    static double rel(double a, double b, double total) {
        return Math.abs(a - b) / Math.max(Math.abs(b), 1e-9 * Math.abs(total));
    }

    /** PSNR in dB between two normalized images, measured on de-normalized values in [0, 255]. */
    static double psnr(INDArray a, INDArray b) {
        INDArray da = dev.stylegrad.vgg.ImageNet.denormalize(a).muli(255);
        INDArray db = dev.stylegrad.vgg.ImageNet.denormalize(b).muli(255);
        double mse = da.sub(db).muli(da.sub(db)).meanNumber().doubleValue();
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
