package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.models.TransformerNet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.io.Npy;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link FeedForwardTraining} on the training fixture's pictures (written as PNG files) with the narrow transformer
 * and the mini VGG16: batches taken in sorted path order, wrapping at the end of an epoch; a resumed run equal to an
 * uninterrupted one bit for bit; cancel; settings a resume must repeat.
 */
class FeedForwardTrainingTest {
    static final Path MINI_VGG16 = ModelFixtures.MINI_VGG16;

    @TempDir
    Path dir;

    Path images;
    RgbImage style;
    Vgg vgg;

    @BeforeEach
    void pictures() throws IOException {
        images = dir.resolve("pictures");
        Files.createDirectories(images.resolve("b"));
        INDArray pictures = Npy.read(TrainerTest.DIR.resolve("pictures.npy"));
        // Five pictures, two in a subfolder: sorted path order is a/0, a/1, a/2, b/3, b/4 whatever the write order.
        for (int k = 4; k >= 0; k--) {
            Path f = (k < 3 ? images.resolve("a") : images.resolve("b")).resolve("p" + k + ".png");
            Files.createDirectories(f.getParent());
            ImageFiles.write(Pictures.fromArray(pictures.get(NDArrayIndex.interval(k, k + 1)).dup('c')), f);
        }
        style = Pictures.fromArray(Npy.read(TrainerTest.DIR.resolve("style.npy")));
        vgg = Vgg.load(Vgg.Architecture.VGG16, MINI_VGG16, "relu4_3", Vgg.Pooling.MAX);
    }

    private FeedForwardTraining.Builder builder(TransformerNet start) {
        return FeedForwardTraining.builder().lossNetwork(vgg).style(style).images(images).imageSize(64).batchSize(2).initialNetwork(start);
    }

    private static INDArray png(Path f) throws IOException {
        return Pictures.toArray(ImageFiles.read(f, ImageFiles.DEFAULT_MAX_PIXELS));
    }

    @Test
    void stepsTakeThePicturesInSortedPathOrderWrappingAtTheEndOfAnEpoch() throws Exception {
        TransformerNet start = TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"));
        List<FeedForwardTraining.Step> steps = new ArrayList<>();
        FeedForwardTraining.Result r = builder(start).steps(3).listener(steps::add).build().run();
        assertThat(r.reason()).isEqualTo(FeedForwardTraining.StopReason.COMPLETED);
        assertThat(r.steps()).isEqualTo(3);
        // The same steps by hand: batches {0,1}, {2,3}, {4,0} (the third wraps into the second epoch).
        TransformerNet byHand = TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"));
        Trainer by = new Trainer(byHand, vgg, Pictures.toArray(style),
                Trainer.STYLE_LAYERS, Trainer.CONTENT_LAYER, 1e5, 1e10, 1e-3);
        String[][] order = {{"a/p0", "a/p1"}, {"a/p2", "b/p3"}, {"b/p4", "a/p0"}};
        for (int k = 0; k < 3; k++) {
            INDArray batch = org.nd4j.linalg.factory.Nd4j.concat(0, png(images.resolve(order[k][0] + ".png")), png(images.resolve(order[k][1] + ".png")));
            Trainer.Losses want = by.step(batch);
            assertThat(r.log().get(k).losses()).as("step %d", k).isEqualTo(want);
            assertThat(steps.get(k).losses()).isEqualTo(want);
            assertThat(steps.get(k).index()).isEqualTo(k);
        }
        assertThat(steps.get(2).position()).isEqualTo(new TrainingImages.Position(1, 1));
        for (String name : start.parameters().keySet()) {
            assertThat(r.network().parameters().get(name).value().sub(byHand.parameters().get(name).value()).amaxNumber().doubleValue())
                    .as(name).isZero();
        }
    }

    @Test
    void epochsStopAfterTheStepThatFinishesThem() throws Exception {
        FeedForwardTraining.Result r = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).epochs(1).build().run();
        assertThat(r.steps()).as("5 pictures, batch 2: the third step finishes the epoch").isEqualTo(3);
    }

    @Test
    void aResumedRunEndsBitForBitWhereTheUninterruptedOneDoes() throws Exception {
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        FeedForwardTraining.Result whole = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(4)
                .checkpoints(straight, 0).build().run();
        FeedForwardTraining first = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(4).checkpoints(split, 1)
                .listener(step -> {}).build();
        // Cancel after step 2: the step completes and is checkpointed.
        FeedForwardTraining[] self = {null};
        FeedForwardTraining cancelling = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(4).checkpoints(split, 0)
                .listener(step -> {
                    if (step.index() == 1) self[0].cancel();
                }).build();
        self[0] = cancelling;
        FeedForwardTraining.Result part = cancelling.run();
        assertThat(part.reason()).isEqualTo(FeedForwardTraining.StopReason.CANCELLED);
        assertThat(part.steps()).isEqualTo(2);
        assertThat(first.fingerprint()).isEqualTo(cancelling.fingerprint());
        List<List<FeedForwardTraining.LoggedStep>> resumedLog = new ArrayList<>();
        FeedForwardTraining.Result rest = builder(null).steps(4).resumeFrom(split).checkpoints(split, 0).listener(new FeedForwardTraining.Listener() {
            @Override
            public void onStep(FeedForwardTraining.Step step) {}

            @Override
            public void onResume(List<FeedForwardTraining.LoggedStep> earlier) {
                resumedLog.add(earlier);
            }
        }).build().run();
        assertThat(resumedLog).hasSize(1);
        assertThat(resumedLog.get(0)).hasSize(2);
        assertThat(rest.steps()).isEqualTo(4);
        for (int k = 0; k < 4; k++) assertThat(rest.log().get(k).losses()).as("step %d", k).isEqualTo(whole.log().get(k).losses());
        Map<String, dev.stylegrad.autograd.Tensor> a = whole.network().parameters(), b = rest.network().parameters();
        for (String name : a.keySet()) assertThat(a.get(name).value().sub(b.get(name).value()).amaxNumber().doubleValue()).as(name).isZero();
        // The final checkpoints agree too, and apply reads their model as it is.
        TransformerNet fromCheckpoint = TransformerNet.load(dev.stylegrad.style.checkpoint.CheckpointDirectory.current(split).resolve(TrainingCheckpoints.MODEL));
        for (String name : a.keySet()) {
            assertThat(fromCheckpoint.parameters().get(name).value().sub(a.get(name).value()).amaxNumber().doubleValue()).as(name).isZero();
        }
    }

    @Test
    void aResumeWithOtherSettingsIsRefusedNamingThem() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(1).checkpoints(ckpt, 0).build().run();
        assertThatThrownBy(() -> builder(null).steps(2).learningRate(2e-3).resumeFrom(ckpt).build().run())
                .isInstanceOf(CheckpointException.class).hasMessageContaining("lr: checkpoint 0.001, given 0.002");
        Files.copy(images.resolve("a/p0.png"), images.resolve("a/p00.png")); // one more picture: other batches from here on
        assertThatThrownBy(() -> builder(null).steps(2).resumeFrom(ckpt).build().run())
                .isInstanceOf(CheckpointException.class).hasMessageContaining("pictures: checkpoint 5 files").hasMessageContaining("given 6 files");
    }

    @Test
    void unreadablePicturesAreSkippedOnceAndNoneUsableFailsClearly() throws Exception {
        Files.writeString(images.resolve("a/p1.png"), "not a PNG");
        List<String> skipped = new ArrayList<>();
        FeedForwardTraining.Result r = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(4)
                .onSkippedImage((f, why) -> skipped.add(images.relativize(f) + ": " + why)).build().run();
        assertThat(r.steps()).isEqualTo(4);
        assertThat(skipped).hasSize(1);
        assertThat(skipped.get(0)).startsWith("a/p1.png: ").contains("not a PNG or JPEG");
        for (Path f : List.of("a/p0.png", "a/p2.png", "b/p3.png", "b/p4.png").stream().map(images::resolve).toList()) Files.writeString(f, "");
        assertThatThrownBy(() -> builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).steps(1).build().run())
                .isInstanceOf(IOException.class).hasMessageContaining("none of the 5 pictures could be read");
    }

    @Test
    void aNewNetworkIsTheReferenceShapeWithPyTorchsInitializationBounds() {
        TransformerNet a = TransformerNet.create(32, 64, 128, 7), b = TransformerNet.create(32, 64, 128, 7), c = TransformerNet.create(32, 64, 128, 8);
        assertThat(a.parameters().keySet()).isEqualTo(TransformerNet.layout(32, 64, 128).keySet());
        INDArray w = a.parameters().get("res3.conv1.conv2d.weight").value();
        double bound = 1 / Math.sqrt(128 * 9);
        assertThat(w.amaxNumber().doubleValue()).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
        assertThat(a.parameters().get("in2.weight").value().minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(a.parameters().get("in2.bias").value().amaxNumber().doubleValue()).isZero();
        assertThat(w.sub(b.parameters().get("res3.conv1.conv2d.weight").value()).amaxNumber().doubleValue()).isZero();
        assertThat(w.sub(c.parameters().get("res3.conv1.conv2d.weight").value()).amaxNumber().doubleValue()).isPositive();
    }

    @Test
    void styleSizeMakesTheStylePictureASquareAsTheReferenceDoes() throws Exception {
        FeedForwardTraining.Result r = builder(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth"))).styleSize(40).steps(1)
                .build().run();
        Trainer by = new Trainer(TransformerNet.load(ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth")), vgg,
                Pictures.toArray(dev.stylegrad.style.image.Resampler.resize(style, 40, 40)), Trainer.STYLE_LAYERS, Trainer.CONTENT_LAYER, 1e5, 1e10, 1e-3);
        INDArray batch = org.nd4j.linalg.factory.Nd4j.concat(0, png(images.resolve("a/p0.png")), png(images.resolve("a/p1.png")));
        assertThat(r.log().get(0).losses()).isEqualTo(by.step(batch));
    }
}
