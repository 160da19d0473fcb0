package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.cli.StylegradCli;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.style.image.ImageFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stylegrad run --master local[2]} writes the picture {@code run} writes, its tiled windows computed by Spark. */
class RunOnSparkCommandTest {
    static final Path COURSE = Path.of("../styletransfer/src/test/fixtures/course");

    @TempDir
    Path dir;

    record Result(int code, String err) {}

    private static Result run(List<String> args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true));
            return new Result(StylegradCli.execute(args.toArray(new String[0])), err.toString());
        } finally {
            System.setErr(old);
        }
    }

    private List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--weights", ModelFixtures.MINI_VGG19.toString(), "--content", COURSE.resolve("content.png").toString(),
                "--style", COURSE.resolve("style.png").toString(), "--size", "96", "--tile", "32", "--steps", "2", "--save-every", "0", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void theClusterRunWritesTheSamePictureAsOneJvm() throws Exception {
        Result here = run(args(dir.resolve("here.png")));
        assertThat(here.code()).as(here.err()).isZero();
        Result spark = run(args(dir.resolve("spark.png"), "--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        assertThat(spark.code()).as(spark.err()).isZero();
        assertThat(spark.err()).contains("tiles per pass on Spark (local[2])");
        assertThat(ImageFiles.read(dir.resolve("spark.png"), 1 << 20).pixels()).isEqualTo(ImageFiles.read(dir.resolve("here.png"), 1 << 20).pixels());
    }
}
