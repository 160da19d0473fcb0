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

/**
 * {@code stylegrad run --master local[2]} writes the picture {@code run} writes, its tiled windows computed by Spark;
 * {@code train --master local[2]} follows {@code train} (its batches in two shards) to float rounding.
 */
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

    @Test
    void aClusterRunResumedFromItsCheckpointEndsWhereOneJvmDoes() throws Exception {
        Result here = run(args(dir.resolve("here.png")));
        assertThat(here.code()).as(here.err()).isZero();
        List<String> first = args(dir.resolve("first.png"), "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--checkpoint", dir.resolve("ck").toString());
        first.set(first.indexOf("--steps") + 1, "1");
        Result one = run(first);
        assertThat(one.code()).as(one.err()).isZero();
        Result rest = run(args(dir.resolve("resumed.png"), "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--resume", dir.resolve("ck").toString()));
        assertThat(rest.code()).as(rest.err()).isZero();
        assertThat(rest.err()).contains("tiles per pass on Spark (local[2])");
        assertThat(ImageFiles.read(dir.resolve("resumed.png"), 1 << 20).pixels()).isEqualTo(ImageFiles.read(dir.resolve("here.png"), 1 << 20).pixels());
    }

    @Test
    void trainOnSparkFollowsTrainHere() throws Exception {
        Path images = java.nio.file.Files.createDirectories(dir.resolve("pictures"));
        org.nd4j.linalg.api.ndarray.INDArray pictures = dev.stylegrad.io.Npy.read(Path.of("../styletransfer/src/test/fixtures/training/pictures.npy"));
        for (int k = 0; k < 8; k++) {
            ImageFiles.write(dev.stylegrad.style.feedforward.Pictures.fromArray(pictures.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(k, k + 1)).dup('c')),
                    images.resolve("p" + k + ".png"));
        }
        // Read where the shards run: an unreadable picture must be skipped there as here, and reported once.
        java.nio.file.Files.write(images.resolve("p3-broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path style = dir.resolve("style.png");
        ImageFiles.write(dev.stylegrad.style.feedforward.Pictures.fromArray(dev.stylegrad.io.Npy.read(Path.of("../styletransfer/src/test/fixtures/training/style.npy"))), style);
        List<String> train = List.of("train", "--style", style.toString(), "--images", images.toString(), "--weights", ModelFixtures.MINI_VGG16.toString(),
                "--init-model", ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth").toString(), "--image-size", "32", "--batch-size", "4",
                "--steps", "4", "--save-every", "0");
        List<String> a = new ArrayList<>(train), b = new ArrayList<>(train);
        a.addAll(List.of("--out", dir.resolve("here.safetensors").toString(), "--log-json", dir.resolve("here.jsonl").toString()));
        b.addAll(List.of("--out", dir.resolve("spark.safetensors").toString(), "--log-json", dir.resolve("spark.jsonl").toString(),
                "--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        Result here = run(a), spark = run(b);
        assertThat(here.code()).as(here.err()).isZero();
        assertThat(spark.code()).as(spark.err()).isZero();
        assertThat(spark.err()).contains("computing on Spark (local[2]), 2 task slots");
        for (Result r : List.of(here, spark)) {
            assertThat(r.err().lines().filter(l -> l.contains("p3-broken.png"))).as(r.err()).hasSize(1);
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> l1 = java.nio.file.Files.readAllLines(dir.resolve("here.jsonl")), l2 = java.nio.file.Files.readAllLines(dir.resolve("spark.jsonl"));
        assertThat(l2).hasSameSizeAs(l1).hasSize(4);
        for (int k = 0; k < l1.size(); k++) {
            double x = json.readTree(l1.get(k)).get("total").asDouble(), y = json.readTree(l2.get(k)).get("total").asDouble();
            assertThat(Math.abs(y / x - 1)).as("step %d: %s vs %s", k, x, y).isLessThan(1e-5);
        }
        // Two steps, then the other two from the checkpoint: the same steps as the run that did all four at once.
        List<String> c = new ArrayList<>(train), d = new ArrayList<>(train);
        c.set(c.indexOf("--steps") + 1, "2");
        c.addAll(List.of("--out", dir.resolve("half.safetensors").toString(), "--checkpoint", dir.resolve("ck").toString(),
                "--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        d.addAll(List.of("--out", dir.resolve("resumed.safetensors").toString(), "--resume", dir.resolve("ck").toString(),
                "--log-json", dir.resolve("resumed.jsonl").toString(), "--master", "local[2]", "--conf", "spark.ui.enabled=false"));
        Result half = run(c);
        assertThat(half.code()).as(half.err()).isZero();
        Result resumed = run(d);
        assertThat(resumed.code()).as(resumed.err()).isZero();
        List<String> l3 = java.nio.file.Files.readAllLines(dir.resolve("resumed.jsonl"));
        assertThat(l3).hasSameSizeAs(l2);
        for (int k = 0; k < l2.size(); k++) {
            for (String field : List.of("content", "style", "total")) {
                assertThat(json.readTree(l3.get(k)).get(field).asDouble()).as("step %d %s", k, field).isEqualTo(json.readTree(l2.get(k)).get(field).asDouble());
            }
        }
        var resumedNet = dev.stylegrad.models.TransformerNet.load(dir.resolve("resumed.safetensors"));
        var straightNet = dev.stylegrad.models.TransformerNet.load(dir.resolve("spark.safetensors"));
        for (var e : straightNet.parameters().entrySet()) {
            assertThat(resumedNet.parameters().get(e.getKey()).value().sub(e.getValue().value()).amaxNumber().doubleValue()).as(e.getKey()).isZero();
        }
        var picture = pictures.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(9, 10)).dup('c');
        var o1 = dev.stylegrad.models.TransformerNet.load(dir.resolve("here.safetensors")).apply(picture);
        var o2 = dev.stylegrad.models.TransformerNet.load(dir.resolve("spark.safetensors")).apply(picture);
        assertThat(o1.sub(o2).amaxNumber().doubleValue() / o1.amaxNumber().doubleValue()).isLessThan(1e-5);
    }
}
