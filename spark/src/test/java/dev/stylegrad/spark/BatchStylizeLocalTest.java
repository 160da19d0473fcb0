package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.InputImages;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch job in Spark's local mode (the embedded default): every picture's output equals what {@code stylegrad
 * apply} computes for it (pixel for pixel), broken files are report rows, and a rerun writes nothing.
 */
class BatchStylizeLocalTest {
    static final Path MODEL = ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth");
    static final int PICTURES = 12, BROKEN = 2;

    @TempDir
    static Path dir;

    static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = SparkSession.builder().master("local[2]").appName("stylegrad-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    @Test
    void everyPictureEqualsApplysAndBrokenOnesAreRowsAndARerunSkipsAll() throws IOException {
        Path input = dir.resolve("in"), output = dir.resolve("out");
        List<String> broken = PictureFolder.write(input, PICTURES, BROKEN);
        BatchStylize.Job job = new BatchStylize.Job(MODEL.toAbsolutePath().toString(), input.toString(), output.toString(), null, ImageFiles.DEFAULT_MAX_PIXELS);

        Map<String, List<Row>> byStatus = BatchStylize.run(spark, job).collectAsList().stream().collect(Collectors.groupingBy(r -> r.getString(1)));
        assertThat(byStatus.get("ok")).hasSize(PICTURES);
        assertThat(byStatus.get("failed")).hasSize(BROKEN);
        for (Row r : byStatus.get("ok")) { // the parts are measured inside the whole, and the network always takes time
            assertThat(r.getDouble(4) + r.getDouble(5) + r.getDouble(6) + r.getDouble(7)).as("%s", r).isLessThanOrEqualTo(r.getDouble(3));
            assertThat(r.getDouble(6)).as("%s", r).isPositive();
            assertThat(r.getDouble(5)).as("%s", r).isPositive();
            assertThat(r.getDouble(7)).as("%s", r).isPositive();
        }
        for (Row r : byStatus.get("failed")) {
            assertThat(broken).anyMatch(name -> r.getString(0).endsWith("/" + name));
            assertThat(r.getString(2)).contains(r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1));
        }
        TransformerNet net = TransformerNet.load(MODEL).freeze(); // as apply loads it
        try (Stream<Path> walk = Files.walk(input)) {
            for (Path picture : walk.filter(p -> BatchStylize.isPicture(p.toString()) && !p.getFileName().toString().startsWith("broken")).toList()) {
                Path out = output.resolve(input.relativize(picture).toString());
                RgbImage expected = ImageFiles.read(writeAsApplyDoes(net, picture, dir.resolve("expected").resolve(input.relativize(picture).toString())),
                        ImageFiles.DEFAULT_MAX_PIXELS);
                RgbImage got = ImageFiles.read(out, ImageFiles.DEFAULT_MAX_PIXELS);
                assertThat(got.width()).isEqualTo(expected.width());
                assertThat(got.pixels()).as(out.toString()).isEqualTo(expected.pixels());
            }
        }
        assertThat(output.resolve(BatchStylize.REPORT)).exists();
        assertThat(Files.readAllLines(output.resolve(BatchStylize.REPORT))).hasSize(PICTURES + BROKEN);

        Map<String, Long> rerun = BatchStylize.run(spark, job).collectAsList().stream().collect(Collectors.groupingBy(r -> r.getString(1), Collectors.counting()));
        assertThat(rerun).containsEntry("skipped", (long) PICTURES).containsEntry("failed", (long) BROKEN).doesNotContainKey("ok");
        assertThat(Files.readAllLines(output.resolve(BatchStylize.REPORT))).filteredOn(l -> l.contains("\"skipped\""))
                .hasSize(PICTURES).allMatch(l -> l.contains("\"network_seconds\":0.0") && l.contains("\"load_seconds\":0.0"));
        try (Stream<Path> walk = Files.walk(output)) {
            assertThat(walk.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
    }

    /** What `stylegrad apply --content picture --out target` writes (ApplyCommand's steps). */
    private static Path writeAsApplyDoes(TransformerNet net, Path picture, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        ImageFiles.write(Pictures.fromArray(net.apply(Pictures.toArray(InputImages.load(picture, null, ImageFiles.DEFAULT_MAX_PIXELS)))), target);
        return target;
    }
}
