package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.models.Vgg;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RunSettings}: one place for each setting's default, check and fingerprint entry. */
class RunSettingsTest {
    private static RunSettings.Builder cli() {
        return RunSettings.builder().wording(Schedule.Wording.COMMAND_LINE);
    }

    @Test
    void theFingerprintIsWhatCheckpointsHaveAlwaysRecorded() {
        // The entries `run` wrote into checkpoints before the settings had a class of their own (a checkpoint of the
        // command line's default schedule): a resume compares them as they are, so they must not change.
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("--style-blend", "equal");
        expected.put("--scales", "256,512");
        expected.put("--style-scale", "1.0");
        expected.put("--content-layers", "relu4_2:1.0");
        expected.put("--style-layers", "relu1_1:1.0,relu2_1:0.75,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2");
        expected.put("--content-weight", "1.0");
        expected.put("--style-weight", "1000000.0");
        expected.put("--tv-weight", "0.0");
        expected.put("--optimizer", "adam");
        expected.put("--lr", "default");
        expected.put("--seed", "0");
        expected.put("--pooling", "max");
        expected.put("--original-colors", "false");
        expected.put("--precision", "fp32");
        assertThat(cli().scales(256, 512).steps(400, 200).build().fingerprint()).isEqualTo(expected);
        Map<String, String> lbfgs = cli().size(512).optimizer("LBFGS").lr(0.5).lbfgsHistory(7).lineSearch(false).tile(TilePolicy.side(256))
                .build().fingerprint();
        assertThat(lbfgs).containsEntry("--size", "512").containsEntry("--optimizer", "lbfgs").containsEntry("--lr", "0.5")
                .containsEntry("--line-search", "false").containsEntry("--lbfgs-history", "7").containsEntry("--tile", "256")
                .doesNotContainKey("--scales").doesNotContainKey("--steps");
    }

    @Test
    void theHelpShowsTheDefaultsAsPeopleWriteThem() {
        Map<String, String> help = RunSettings.defaults().options(SettingsText::readable);
        assertThat(help).containsEntry("--style-weight", "1e6").containsEntry("--content-weight", "1").containsEntry("--steps", "500")
                .containsEntry("--style-layers", "relu1_1:1,relu2_1:0.75,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2").containsEntry("--tile", "auto");
        assertThat(SettingsText.readable(0.003)).isEqualTo("0.003");
        assertThat(SettingsText.readable(1e10)).isEqualTo("1e10");
        assertThat(SettingsText.readable(1e-4)).isEqualTo("1e-4");
        assertThat(SettingsText.readable(67.5)).isEqualTo("67.5");
    }

    @Test
    void eachCheckNamesTheSettingAsTheCallerDoes() {
        assertThatThrownBy(() -> cli().lbfgsHistory(0).build()).isInstanceOf(SettingsException.class).hasMessage("--lbfgs-history must be at least 1, got 0");
        assertThatThrownBy(() -> RunSettings.builder().lbfgsHistory(0).build()).hasMessage("L-BFGS history must be at least 1, got 0");
        assertThatThrownBy(() -> cli().scales(48, 32).steps(1, 1).build()).hasMessage("--scales must grow from one scale to the next, got 48,32 (32 px after 48 px)");
        assertThatThrownBy(() -> RunSettings.builder().scales(48, 32).steps(1, 1).build())
                .hasMessage("scales must grow from one to the next, got 48,32 (scale 2, 32 px, is not larger than scale 1, 48 px)");
        assertThatThrownBy(() -> cli().lr(-1.0).build()).isInstanceOf(SettingsException.class).hasMessage("--lr must be positive, got -1.0");
        assertThatThrownBy(() -> cli().optimizer("sgd").build()).hasMessage("--optimizer must be adam or lbfgs, got 'sgd'");
        assertThatThrownBy(() -> cli().styleWeight(Double.NaN).build()).hasMessageContaining("loss weights must be finite");
        assertThatThrownBy(() -> cli().size(8).build()).hasMessage("--size must be at least 16 pixels, got 8");
        assertThatThrownBy(() -> TilePolicy.parse("12")).hasMessageContaining("--tile must be auto, off or a tile side of at least 16 pixels");
    }

    @Test
    void aLayerNameTheNetworkDoesNotHaveIsBadInputNotAUsageError() {
        assertThatThrownBy(() -> RunSettings.builder().styleLayers(Map.of("relu9_1", 1.0)).build())
                .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(SettingsException.class).hasMessageContaining("unknown layer 'relu9_1'");
    }

    @Test
    void theScheduleCountsStepsOverAllScales() {
        Schedule s = RunSettings.builder().scales(32, 64, 128).steps(3, 2, 1).build().schedule();
        assertThat(s.ends()).containsExactly(3, 5, 6);
        assertThat(s.totalSteps()).isEqualTo(6);
        assertThat(s.scaleOf(2)).isZero();
        assertThat(s.scaleOf(3)).isEqualTo(1);
        assertThat(s.scaleOf(5)).isEqualTo(2);
        assertThat(s.start(2)).isEqualTo(5);
        assertThat(s.workingSize(1, 200, 100)).containsExactly(64, 32);
        assertThat(RunSettings.builder().size(null).build().schedule().workingSize(0, 200, 100)).containsExactly(200, 100);
        assertThat(RunSettings.builder().pooling(Vgg.Pooling.AVG).build().options(Double::toString)).containsEntry("--pooling", "avg");
    }
}
