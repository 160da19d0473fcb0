package dev.stylegrad.style;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.io.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two style transfers on two threads at once, sharing one VGG19, give bit for bit the images and losses the same two
 * give one after the other. The network has VGG19's real widths (64 … 512 channels, random He-initialized weights),
 * so the convolutions run the kernels a real run runs; one run uses Adam, the other L-BFGS, both at the same size so
 * that they share (cached) kernels.
 */
@Tag("end-to-end")
@Tag("concurrency")
class ConcurrentRunsTest {
    private static final int[] CONV_INDICES = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28};
    private static final int[] WIDTHS = {64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512};

    @TempDir
    static Path dir;
    private static Vgg net;
    private static RgbImage landscape, strokes;

    @BeforeAll
    static void fullWidthVggAndTheBundledImages() throws IOException {
        Nd4j.getRandom().setSeed(1102);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        int in = 3;
        for (int i = 0; i < CONV_INDICES.length; i++) {
            int out = WIDTHS[i];
            tensors.put("features." + CONV_INDICES[i] + ".weight", Nd4j.randn(DataType.FLOAT, out, in, 3, 3).muli(Math.sqrt(2.0 / (9 * out))));
            tensors.put("features." + CONV_INDICES[i] + ".bias", Nd4j.randn(DataType.FLOAT, out).muli(0.01));
            in = out;
        }
        Path file = dir.resolve("vgg19-full-width-random.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        net = Vgg.load(file, "relu5_1", Vgg.Pooling.MAX);
        landscape = bundled("landscape.png");
        strokes = bundled("brushstrokes.png");
    }

    private static RgbImage bundled(String name) throws IOException {
        try (InputStream in = ConcurrentRunsTest.class.getResourceAsStream("/dev/stylegrad/style/examples/" + name)) {
            var img = ImageIO.read(in);
            return new RgbImage(img.getWidth(), img.getHeight(), img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()));
        }
    }

    private static StyleTransfer adamRun() {
        return StyleTransfer.builder().content(landscape).style(strokes).network(net).size(64).steps(8).build();
    }

    private static StyleTransfer lbfgsRun() {
        return StyleTransfer.builder().content(strokes).style(landscape).network(net).size(64).steps(3).optimizer("lbfgs")
                .tvWeight(1e-3).build();
    }

    @Test
    void twoRunsOnTwoThreadsEqualTheSameRunsOneAfterTheOther() throws Exception {
        StyleTransfer.Result adamAlone = adamRun().run();
        StyleTransfer.Result lbfgsAlone = lbfgsRun().run();

        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<StyleTransfer.Result> adam = pool.submit(() -> {
                StyleTransfer t = adamRun();
                start.await(1, TimeUnit.MINUTES);
                return t.run();
            });
            Future<StyleTransfer.Result> lbfgs = pool.submit(() -> {
                StyleTransfer t = lbfgsRun();
                start.await(1, TimeUnit.MINUTES);
                return t.run();
            });
            assertSameRun("Adam", adam.get(5, TimeUnit.MINUTES), adamAlone);
            assertSameRun("L-BFGS", lbfgs.get(5, TimeUnit.MINUTES), lbfgsAlone);
        } finally {
            pool.shutdownNow();
        }
        // The runs did something: the images moved away from their starting points.
        assertThat(adamAlone.losses().get(adamAlone.losses().size() - 1).total()).isLessThan(adamAlone.losses().get(0).total());
        assertThat(lbfgsAlone.losses().get(lbfgsAlone.losses().size() - 1).total()).isLessThan(lbfgsAlone.losses().get(0).total());
    }

    private static void assertSameRun(String what, StyleTransfer.Result got, StyleTransfer.Result want) {
        assertThat(got.reason()).as(what).isEqualTo(want.reason());
        assertThat(got.steps()).as(what).isEqualTo(want.steps());
        assertThat(got.evaluations()).as(what + " evaluations").isEqualTo(want.evaluations());
        // Evaluation is a record of doubles: equals compares every loss bit for bit (Double.compare semantics).
        assertThat(got.losses()).as(what + " losses, step by step").isEqualTo(want.losses());
        assertIdentical(what + " normalized image", got.normalized(), want.normalized());
        assertThat(got.image().pixels()).as(what + " pixels").isEqualTo(want.image().pixels());
    }

    @Test
    void oneStyleTransferRefusesASecondRunWhileItIsRunning() throws Exception {
        CountDownLatch inFirstStep = new CountDownLatch(1), mayGoOn = new CountDownLatch(1);
        StyleTransfer t = StyleTransfer.builder().content(landscape).style(strokes).network(net).size(32).steps(2)
                .listener(step -> {
                    inFirstStep.countDown();
                    try {
                        mayGoOn.await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<StyleTransfer.Result> first = pool.submit(t::run);
            assertThat(inFirstStep.await(1, TimeUnit.MINUTES)).isTrue();
            assertThatThrownBy(t::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running")
                    .hasMessageContaining("one StyleTransfer per concurrent run");
            mayGoOn.countDown();
            assertThat(first.get(1, TimeUnit.MINUTES).steps()).isEqualTo(2);
            // Once that run is over, the same instance runs again.
            assertThat(t.run().steps()).isEqualTo(2);
        } finally {
            mayGoOn.countDown();
            pool.shutdownNow();
        }
    }
}
