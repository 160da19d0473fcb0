package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.StepRunner;
import dev.stylegrad.style.feedforward.Trainer;
import dev.stylegrad.style.image.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * Tiled steps whose windows are Spark tasks on a real standalone cluster (master and two one-core workers as separate
 * JVMs on 127.0.0.1) give the picture and every logged loss of the same run in one JVM, bit for bit, with executors of
 * one native thread against this JVM's; also when a
 * worker is killed (SIGKILL) in the middle of the run and Spark computes its windows again elsewhere. Training steps
 * whose batches are split over the two workers follow one JVM's to float rounding.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStepsTest {
    static final int STEPS = 3;

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static SparkSession spark;
    static Run here;

    /** A run's picture and its losses per step (content, style, total variation, total). */
    record Run(int[] pixels, List<double[]> losses) {}

    @BeforeAll
    static void start() throws Exception {
        here = run(StepRunner.HERE, () -> { });
        cluster = new StandaloneCluster(dir.resolve("cluster"), 2, 1, "2g");
        // One native thread per executor against this JVM's (2 in CI): a tiled step must not depend on the thread count,
        // though libnd4j's float32 reductions do (its content loss of a 4096x3072 picture came out 0.3% apart).
        spark = cluster.session("stylegrad-steps-test", 1);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        StandaloneCluster.stop(spark, cluster);
    }

    @Test
    @Order(1)
    void threeTiledStepsOnTheClusterEqualOneJvmBitForBit() throws Exception {
        SparkStepRunner runner = new SparkStepRunner(spark);
        Run there = run(runner, () -> { });
        assertThat(runner.stats().tasks).as("every window of both passes of every step was a task").isEqualTo(12L * 2 * STEPS);
        assertThat(runner.stats().passes).isEqualTo(2L * STEPS);
        assertSame(there);
    }

    @Test
    @Order(1)
    void aPictureWhoseSumsLibnd4jWouldSplitOverThreadsIsStillBitForBit() throws Exception {
        // 1280x960 in 640-px tiles: each window's content sum has tens of thousands of elements, which
        // libnd4j's float32 reductions round differently with 1 thread than with 2; the losses must not.
        // Two steps: the first is evaluated at the content itself, where the content loss is 0 whatever the rounding.
        Run oneJvm = run(StepRunner.HERE, () -> { }, 1280, 960, 640, 2);
        Run there = run(new SparkStepRunner(spark), () -> { }, 1280, 960, 640, 2);
        assertThat(oneJvm.losses().get(1)[0]).as("a content loss to compare").isPositive();
        for (int k = 0; k < 2; k++) assertThat(there.losses().get(k)).as("losses of step %d", k).containsExactly(oneJvm.losses().get(k));
        assertThat(there.pixels()).isEqualTo(oneJvm.pixels());
    }

    @Test
    @Order(3)
    void fiveTrainingStepsOfBatchFourSplitOverTwoWorkersFollowOneJvm() throws Exception {
        // Training's reductions (losses, instance norm) are libnd4j's: executors with as many native threads as this JVM
        // round as it does (Adam made 1 thread against 2 a 4e-4 difference on conv1 after these 5 steps).
        spark.stop();
        spark = cluster.session("stylegrad-training-test", Runtime.getRuntime().availableProcessors());
        Path fixtures = Path.of("../styletransfer/src/test/fixtures/training");
        org.nd4j.linalg.api.ndarray.INDArray pictures = dev.stylegrad.io.Npy.read(fixtures.resolve("pictures.npy"));
        org.nd4j.linalg.api.ndarray.INDArray style = dev.stylegrad.io.Npy.read(fixtures.resolve("style.npy"));
        dev.stylegrad.models.Vgg vgg = dev.stylegrad.models.Vgg.load(dev.stylegrad.models.Vgg.Architecture.VGG16, ModelFixtures.MINI_VGG16, "relu4_3",
                dev.stylegrad.models.Vgg.Pooling.MAX);
        Path legacy = ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth");
        dev.stylegrad.models.TransformerNet one = dev.stylegrad.models.TransformerNet.load(legacy), two = dev.stylegrad.models.TransformerNet.load(legacy);
        var whole = new dev.stylegrad.style.feedforward.Trainer(one, vgg, style, dev.stylegrad.style.feedforward.Trainer.STYLE_LAYERS,
                dev.stylegrad.style.feedforward.Trainer.CONTENT_LAYER, 1e5, 1e10, 1e-3);
        var sharded = new dev.stylegrad.style.feedforward.Trainer(two, vgg, style, dev.stylegrad.style.feedforward.Trainer.STYLE_LAYERS,
                dev.stylegrad.style.feedforward.Trainer.CONTENT_LAYER, 1e5, 1e10, 1e-3);
        SparkStepRunner runner = new SparkStepRunner(spark);
        assertThat(runner.parallelism()).as("two one-core workers").isEqualTo(2);
        sharded.runOn(runner, runner.parallelism());
        for (int k = 0; k < 5; k++) {
            long from = 2L * (k % 4);
            var batch = pictures.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 4)).dup('c');
            Trainer.Losses a = whole.step(batch);
            var b = sharded.step(batch);
            for (double[] pair : new double[][] {{a.content(), b.content()}, {a.style(), b.style()}, {a.total(), b.total()}}) {
                assertThat(Math.abs(pair[1] / pair[0] - 1)).as("step %d: one JVM %s, cluster %s", k, a, b).isLessThan(1e-5);
            }
        }
        assertThat(runner.stats().tasks).as("two shards per step").isEqualTo(10);
        for (var e : one.parameters().entrySet()) {
            if (dev.stylegrad.models.TransformerNet.outputIgnores(e.getKey())) continue;
            var x = e.getValue().value();
            var y = two.parameters().get(e.getKey()).value();
            assertThat(x.sub(y).norm2Number().doubleValue() / x.norm2Number().doubleValue()).as(e.getKey()).isLessThan(1e-5);
        }
    }

    @Test
    @Order(4)
    void aWorkerKilledInTheMiddleOfTheRunChangesNothing() throws Exception {
        // Once the second step's first pass is running, worker 0 is killed; Spark must compute its lost windows again.
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart start) {
                if (armed.compareAndSet(true, false)) {
                    try {
                        cluster.kill(0);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() instanceof org.apache.spark.ExecutorLostFailure) lost.incrementAndGet();
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            Run there = run(new SparkStepRunner(spark), () -> armed.set(true));
            assertSame(there);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        assertThat(lost.get()).as("windows lost with the killed worker's executor, computed again elsewhere").isPositive();
    }

    @Test
    @Order(2)
    void weightsTheExecutorsCannotReadStopTheRunWithOneSentenceNamingThem() throws Exception {
        Path weights = java.nio.file.Files.copy(ModelFixtures.MINI_VGG19, dir.resolve("gone-" + ModelFixtures.MINI_VGG19.getFileName()));
        StyleTransfer transfer = StyleTransfer.builder().content(picture(1, 256, 192)).style(picture(2, 200, 152))
                .weights(weights).size(256).steps(1).tile(64).stepRunner(new SparkStepRunner(spark))
                .notices(message -> { // the driver has read the weights and planned its tiles: now the executors cannot
                    try {
                        java.nio.file.Files.deleteIfExists(weights);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .build();
        assertThatThrownBy(transfer::run).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("could not compute the pass 1 of 2 (losses): ").hasMessageContaining(weights.getFileName().toString())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\tat ").doesNotContain("\n"));
    }

    private static void assertSame(Run there) {
        assertThat(there.losses()).hasSize(STEPS);
        for (int k = 0; k < STEPS; k++) assertThat(there.losses().get(k)).as("losses of step %d", k).containsExactly(here.losses().get(k));
        assertThat(there.pixels()).isEqualTo(here.pixels());
    }

    /** A 3-step run of a 256×192 picture in 64-px tiles (12 windows per pass) with the mini VGG19; {@code afterFirstStep} runs once. */
    static Run run(StepRunner runner, Runnable afterFirstStep) throws Exception {
        return run(runner, afterFirstStep, 256, 192, 64, STEPS);
    }

    static Run run(StepRunner runner, Runnable afterFirstStep, int width, int height, int tile, int steps) throws Exception {
        List<double[]> losses = new ArrayList<>();
        StyleTransfer.Result r = StyleTransfer.builder().content(picture(1, width, height)).style(picture(2, 200, 152))
                .weights(ModelFixtures.MINI_VGG19).size(width).steps(steps).tile(tile).stepRunner(runner)
                .listener(step -> {
                    var e = step.losses();
                    losses.add(new double[] {e.content(), e.style(), e.tv(), e.total()});
                    if (step.index() == 0) afterFirstStep.run();
                })
                .build().run();
        return new Run(r.image().pixels(), losses);
    }

    /** Smooth colour fields with some noise: features in every layer, different for each seed. */
    static RgbImage picture(long seed, int w, int h) {
        Random rng = new Random(seed);
        double a = rng.nextDouble() * 6, b = rng.nextDouble() * 6;
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (int) (127 + 100 * Math.sin(a + x * 0.05) + rng.nextInt(20));
                int g = (int) (127 + 100 * Math.cos(b + y * 0.07) + rng.nextInt(20));
                int bl = (int) (127 + 100 * Math.sin(a + b + (x + y) * 0.03) + rng.nextInt(20));
                px[y * w + x] = (Math.min(255, Math.max(0, r)) << 16) | (Math.min(255, Math.max(0, g)) << 8) | Math.min(255, Math.max(0, bl));
            }
        }
        return new RgbImage(w, h, px);
    }
}
