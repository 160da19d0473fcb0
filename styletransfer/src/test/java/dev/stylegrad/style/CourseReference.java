package dev.stylegrad.style;

import dev.stylegrad.models.ModelFixtures;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.stylegrad.style.optim.Objective;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The committed PyTorch reference run (fixtures/course, made by make_course_fixtures.py) and comparison helpers. */
final class CourseReference {
    static final Path DIR = Path.of("src/test/fixtures/course");
    static final Path MINI_WEIGHTS = ModelFixtures.MINI_VGG19;

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

    /** The loss terms compared step by step, as {@link #termErrors} and {@link #assertStepsMatch} order them. */
    static final String[] TERMS = {"content", "style", "total"};

    /**
     * |ours − theirs| / |theirs| for content, style and total of one step (each term on its own scale: the content
     * term is ~1e-14 of the total, so measuring it against the total would hide any error in it). A term that is
     * exactly 0 in the reference (step 0's content loss: the image starts as the content) must be exactly 0 in ours
     * too: its error is then 0 or infinite.
     */
    static double[] termErrors(Objective.Evaluation got, double[] want) {
        double[] ours = {got.content(), got.style(), got.total()};
        double[] theirs = {want[1], want[2], want[4]};
        double[] err = new double[3];
        for (int t = 0; t < 3; t++) {
            err[t] = theirs[t] == 0 ? (ours[t] == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.abs(ours[t] - theirs[t]) / Math.abs(theirs[t]);
        }
        return err;
    }

    /**
     * Requires content, style and total of every one of the first {@code steps} steps to match the reference log to
     * {@code bound} each (relative, per term; zero only as zero), and returns the worst error of each term. Also
     * requires step 0's content loss to be exactly 0 on both sides: both runs start from the content image.
     */
    static double[] assertStepsMatch(String what, List<Objective.Evaluation> got, List<double[]> want, int steps, double bound) {
        assertThat(got.size()).as("%s: steps run", what).isGreaterThanOrEqualTo(steps);
        assertThat(want.size()).as("%s: steps in the reference", what).isGreaterThanOrEqualTo(steps);
        assertThat(want.get(0)[1]).as("%s: the reference's content loss at step 0", what).isZero();
        assertThat(got.get(0).content()).as("%s: our content loss at step 0", what).isZero();
        double[] worst = new double[3];
        int[] worstStep = new int[3];
        for (int k = 0; k < steps; k++) {
            assertThat(want.get(k)[0]).as("%s: reference step number", what).isEqualTo(k);
            double[] err = termErrors(got.get(k), want.get(k));
            for (int t = 0; t < 3; t++) {
                if (!(err[t] <= worst[t])) {
                    worst[t] = err[t];
                    worstStep[t] = k;
                }
            }
        }
        System.out.printf("%s: worst relative difference over steps 0-%d: content %.2e (step %d), style %.2e (step %d), total %.2e (step %d)%n",
                what, steps - 1, worst[0], worstStep[0], worst[1], worstStep[1], worst[2], worstStep[2]);
        for (int t = 0; t < 3; t++) {
            int k = worstStep[t];
            double[] w = want.get(k);
            double ours = t == 0 ? got.get(k).content() : t == 1 ? got.get(k).style() : got.get(k).total();
            assertThat(worst[t]).as("%s: %s loss at step %d: ours %s, reference %s", what, TERMS[t], k, ours, t == 2 ? w[4] : w[t + 1])
                    .isLessThanOrEqualTo(bound);
        }
        return worst;
    }

    /** PSNR in dB between two normalized images, measured on de-normalized values in [0, 255]. */
    static double psnr(INDArray a, INDArray b) {
        INDArray da = dev.stylegrad.models.ImageNet.denormalize(a).muli(255);
        INDArray db = dev.stylegrad.models.ImageNet.denormalize(b).muli(255);
        double mse = da.sub(db).muli(da.sub(db)).meanNumber().doubleValue();
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
