package dev.stylegrad.style.feedforward;

import dev.stylegrad.style.SettingsText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.RunSettings;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.SettingsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TrainSettings}: the reference's defaults, one check each, the fingerprint training checkpoints record. */
class TrainSettingsTest {
    @Test
    void theDefaultsAreTheReferencesAndTheFingerprintKeepsItsKeys() {
        TrainSettings d = TrainSettings.defaults();
        assertThat(d.lossNetwork()).isEqualTo(Vgg.Architecture.VGG16);
        assertThat(d.styleLayers()).containsExactly("relu1_2", "relu2_2", "relu3_3", "relu4_3");
        assertThat(d.deepestLayer()).isEqualTo("relu4_3");
        assertThat(d.epochs()).isEqualTo(2);
        assertThat(d.totalSteps(10)).isEqualTo(5);
        assertThat(d.fingerprint()).containsEntry("loss-network", "vgg16").containsEntry("lr", "0.001").containsEntry("content-weight", "100000.0")
                .containsEntry("style-weight", "1.0E10").containsEntry("style-size", "null").containsEntry("seed", "42")
                .doesNotContainKey("epochs").doesNotContainKey("steps");
        Map<String, String> help = d.options(SettingsText::readable);
        assertThat(help).containsEntry("--lr", "0.001").containsEntry("--style-weight", "1e10").containsEntry("--content-weight", "1e5")
                .containsEntry("--epochs", "2");
    }

    @Test
    void eachCheckNamesTheSettingAsTheCallerDoes() {
        assertThatThrownBy(() -> TrainSettings.builder().wording(Schedule.Wording.COMMAND_LINE).batchSize(0).build())
                .isInstanceOf(SettingsException.class).hasMessage("--batch-size must be at least 1, got 0");
        assertThatThrownBy(() -> TrainSettings.builder().batchSize(0).build()).hasMessage("training: the batch size must be at least 1, got 0");
        assertThatThrownBy(() -> TrainSettings.builder().steps(0).build()).hasMessage("training: steps must be at least 1, got 0");
        assertThatThrownBy(() -> TrainSettings.builder().learningRate(Double.POSITIVE_INFINITY).build()).hasMessageContaining("learning rate must be a positive number");
        assertThatThrownBy(() -> TrainSettings.builder().layers(List.of("relu3_4"), "relu2_2").build())
                .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(SettingsException.class).hasMessageStartingWith("no layer relu3_4 in vgg16");
        assertThat(TrainSettings.builder().lossNetwork(Vgg.Architecture.VGG19).layers(List.of("relu3_4"), "relu2_2").build().deepestLayer())
                .isEqualTo("relu3_4");
    }
}
