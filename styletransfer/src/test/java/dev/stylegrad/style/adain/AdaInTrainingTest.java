package dev.stylegrad.style.adain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.io.Npy;
import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.style.SettingsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link AdaInTraining} against pytorch-AdaIN's {@code train.py} loop run in PyTorch ({@code make_adain.py}): 5 steps of
 * batches of 2 from the same decoder, the reference's losses, weights and learning-rate decay.
 */
class AdaInTrainingTest {
    static final Path DIR = ModelFixtures.ADAIN;

    @Test
    void fiveStepsFollowPytorchsLossesAndWeights() throws IOException {
        AdaInEncoder encoder = AdaInEncoder.load(DIR.resolve("vgg_legacy.pth"));
        AdaInDecoder decoder = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        AdaInTraining training = new AdaInTraining(encoder, decoder, AdaInTraining.Settings.REFERENCE);
        INDArray contents = Npy.read(DIR.resolve("train_content.npy")), styles = Npy.read(DIR.resolve("train_style.npy"));
        INDArray want = Npy.read(DIR.resolve("train_losses.npy"));
        double worst = 0;
        for (int i = 0; i < 5; i++) {
            AdaInTraining.Losses got = training.step(contents.get(NDArrayIndex.point(i)).dup(), styles.get(NDArrayIndex.point(i)).dup());
            double c = Math.abs(got.content() / want.getDouble(i, 0) - 1), s = Math.abs(got.style() / want.getDouble(i, 1) - 1);
            System.out.printf("AdaIN training step %d: content %.6g (PyTorch %.6g), style %.6g (PyTorch %.6g)%n", i + 1, got.content(),
                    want.getDouble(i, 0), got.style(), want.getDouble(i, 1));
            worst = Math.max(worst, Math.max(c, s));
            assertThat(training.lastStepUpdated()).isTrue();
        }
        System.out.printf("AdaIN training: worst relative loss difference over 5 steps %.2e%n", worst);
        assertThat(worst).isLessThan(1e-3);
        assertThat(training.iteration()).isEqualTo(5);
        // the weights moved as PyTorch's did: each by up to 5 lr, so a wrong sign or rate shows far above this bound
        AdaInDecoder after = AdaInDecoder.load(DIR.resolve("train_decoder_zip.pth"));
        double moved = 0, off = 0;
        for (Map.Entry<String, dev.stylegrad.autograd.Tensor> e : decoder.parameters().entrySet()) {
            INDArray mine = e.getValue().value().castTo(DataType.DOUBLE), theirs = after.parameters().get(e.getKey()).value().castTo(DataType.DOUBLE);
            off = Math.max(off, mine.sub(theirs).amaxNumber().doubleValue());
        }
        AdaInDecoder before = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        for (Map.Entry<String, dev.stylegrad.autograd.Tensor> e : before.parameters().entrySet()) {
            moved = Math.max(moved, e.getValue().value().castTo(DataType.DOUBLE).sub(after.parameters().get(e.getKey()).value().castTo(DataType.DOUBLE)).amaxNumber().doubleValue());
        }
        System.out.printf("AdaIN training: weights moved up to %.3g, and are up to %.3g from PyTorch's%n", moved, off);
        assertThat(moved).isGreaterThan(4e-4);
        assertThat(off).isLessThan(moved / 20);
    }

    @Test
    void theReferencesDecayAndBadSettings() throws IOException {
        AdaInTraining.Settings s = AdaInTraining.Settings.REFERENCE;
        assertThat(s.lrAt(0)).isEqualTo(1e-4);
        assertThat(s.lrAt(20000)).isEqualTo(1e-4 / 2);
        assertThatThrownBy(() -> new AdaInTraining.Settings(0, 5e-5, 1, 10)).isInstanceOf(SettingsException.class).hasMessage("--lr must be positive, got 0.0");
        AdaInDecoder frozen = AdaInDecoder.load(DIR.resolve("decoder_zip.pth")).freeze();
        assertThatThrownBy(() -> new AdaInTraining(AdaInEncoder.load(DIR.resolve("vgg_legacy.pth")), frozen, s)).isInstanceOf(SettingsException.class)
                .hasMessageContaining("frozen");
    }
}
