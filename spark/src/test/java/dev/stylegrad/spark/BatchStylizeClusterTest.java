package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch job on a real standalone cluster: a master and two one-core workers as separate JVMs on 127.0.0.1. Results
 * equal {@code apply}'s pixel for pixel; a worker killed with SIGKILL in the middle of a job, at a moment its executor is
 * writing an output, does not fail it, leaves no partial output, and every picture is in the report exactly once.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchStylizeClusterTest {
    static final Path MODEL = BatchStylizeLocalTest.MODEL.toAbsolutePath();

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static SparkSession spark;
    static TransformerNet net;

    @BeforeAll
    static void start() throws Exception {
        cluster = new StandaloneCluster(dir.resolve("cluster"), 2, 1, "2g");
        spark = cluster.session("stylegrad-cluster-test");
        net = TransformerNet.load(MODEL).freeze(); // as apply loads it
    }

    @AfterAll
    static void stop() throws InterruptedException {
        StandaloneCluster.stop(spark, cluster);
    }

    @Test
    @Order(1)
    void twoWorkersWriteWhatApplyWritesAndARerunSkipsEverything() throws IOException {
        Path input = dir.resolve("in1"), output = dir.resolve("out1");
        PictureFolder.write(input, 24, 3);
        BatchStylize.Job job = new BatchStylize.Job(MODEL.toString(), input.toString(), output.toString(), null, ImageFiles.DEFAULT_MAX_PIXELS);
        List<Row> report = BatchStylize.run(spark, job).collectAsList();
        assertThat(count(report)).as("%s", report).containsEntry("ok", 24L).containsEntry("failed", 3L);
        assertSameAsApply(input, output);
        Map<String, Long> rerun = count(BatchStylize.run(spark, job).collectAsList());
        assertThat(rerun).containsEntry("skipped", 24L).containsEntry("failed", 3L).doesNotContainKey("ok");
    }

    @Test
    @Order(2)
    void aWorkerKilledMidJobLosesNothing() throws Exception {
        // Whether a write is caught depends on timing: a job that ends before one is caught runs again into a new folder.
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path input = dir.resolve("in2"), output = dir.resolve("out2-" + attempt);
            if (!Files.isDirectory(input)) PictureFolder.write(input, 30, 2, 4); // large enough that encoding a result takes a moment the kill can land in
            BatchStylize.Job job = new BatchStylize.Job(MODEL.toString(), input.toString(), output.toString(), null, ImageFiles.DEFAULT_MAX_PIXELS);
            CompletableFuture<List<Row>> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return BatchStylize.run(spark, job).collectAsList();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (outputs(output) < 3 && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(50);
            if (!Files.isDirectory(output)) Files.createDirectories(output);
            StandaloneCluster.Kill kill = cluster.killWhileWriting(output, run::isDone);
            if (kill == null) {
                System.out.println("attempt " + attempt + ": the job ended before a write was caught; running it again");
                run.get();
                continue;
            }
            System.out.println("worker " + kill.worker() + " killed while writing " + kill.file());
            List<Row> report = run.get(10, TimeUnit.MINUTES);
            Map<String, Long> counts = count(report);
            // The killed worker's task ran again elsewhere: pictures it had already written count as skipped (complete).
            assertThat(counts.getOrDefault("ok", 0L) + counts.getOrDefault("skipped", 0L)).as("%s", counts).isEqualTo(30);
            assertThat(counts).containsEntry("failed", 2L);
            assertThat(report).as("each picture exactly once").hasSize(32);
            assertThat(report.stream().map(r -> r.getString(0)).distinct().count()).isEqualTo(32);
            assertSameAsApply(input, output);
            return;
        }
        throw new AssertionError("no write was caught in three runs of the job, so the kill never landed inside one");
    }

    private static Map<String, Long> count(List<Row> report) {
        return report.stream().collect(Collectors.groupingBy(r -> r.getString(1), Collectors.counting()));
    }

    /**
     * Pictures written so far, polled while the workers write: a temporary file renamed between the walk's listing and
     * its look at the file is not an error here (it failed CI once with NoSuchFileException), so such a poll counts 0
     * and the caller polls again.
     */
    private static long outputs(Path output) throws IOException {
        if (!Files.isDirectory(output)) return 0;
        try (Stream<Path> walk = Files.walk(output)) {
            return walk.filter(p -> BatchStylize.isPicture(p.toString())).count();
        } catch (java.io.UncheckedIOException e) {
            if (e.getCause() instanceof java.nio.file.NoSuchFileException) return 0;
            throw e;
        }
    }

    /** Every output equals what `stylegrad apply` writes for its picture; nothing partial or temporary is left. */
    private static void assertSameAsApply(Path input, Path output) throws IOException {
        try (Stream<Path> walk = Files.walk(output)) {
            assertThat(walk.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
        try (Stream<Path> walk = Files.walk(input)) {
            for (Path picture : walk.filter(p -> BatchStylize.isPicture(p.toString()) && !p.getFileName().toString().startsWith("broken")).toList()) {
                Path expected = dir.resolve("expected").resolve(input.getFileName() + "/" + input.relativize(picture));
                Files.createDirectories(expected.getParent());
                ImageFiles.write(Pictures.fromArray(net.apply(Pictures.toArray(InputImages.load(picture, null, ImageFiles.DEFAULT_MAX_PIXELS)))), expected);
                RgbImage want = ImageFiles.read(expected, ImageFiles.DEFAULT_MAX_PIXELS);
                RgbImage got = ImageFiles.read(output.resolve(input.relativize(picture).toString()), ImageFiles.DEFAULT_MAX_PIXELS);
                assertThat(got.pixels()).as("%s", picture).isEqualTo(want.pixels());
            }
        }
    }
}
