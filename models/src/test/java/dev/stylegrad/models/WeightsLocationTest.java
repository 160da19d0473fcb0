package dev.stylegrad.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsLocationTest {
    @TempDir
    Path dir;

    @Test
    void explicitWinsThenEnvironmentThenHomeThenCwd() throws IOException {
        Path explicit = dir.resolve("mine.pth");
        assertThat(WeightsLocation.resolve(explicit, Map.of(), null)).isEqualTo(explicit);
        Path envFile = Files.createFile(dir.resolve("env.pth"));
        assertThat(WeightsLocation.resolve(null, Map.of(WeightsLocation.ENV, envFile.toString()), "/home")).isEqualTo(envFile);
        assertThat(WeightsLocation.resolve(null, Map.of(WeightsLocation.ENV, dir.toString()), "/home"))
                .isEqualTo(dir.resolve(PublishedWeights.FILE_NAME));
        assertThat(WeightsLocation.resolve(null, Map.of(), "/checkout")).isEqualTo(Path.of("/checkout/weights", PublishedWeights.FILE_NAME));
        assertThat(WeightsLocation.resolve(null, Map.of(), null)).isEqualTo(Path.of("weights", PublishedWeights.FILE_NAME));
    }

    @Test
    void prefersTheSafetensorsCacheInADirectory() throws IOException {
        Files.createFile(dir.resolve(PublishedWeights.FILE_NAME));
        Path cache = Files.createFile(dir.resolve(PublishedWeights.FEATURES_FILE_NAME));
        assertThat(WeightsLocation.resolve(null, Map.of(WeightsLocation.ENV, dir.toString()), null)).isEqualTo(cache);
    }

    @Test
    void missingFileMessageSaysHowToGetIt() {
        String m = WeightsLocation.howToGet(dir.resolve(PublishedWeights.FILE_NAME));
        assertThat(m).contains("./stylegrad weights fetch").contains(PublishedWeights.URL).contains(WeightsLocation.ENV)
                .contains(dir.resolve(PublishedWeights.FILE_NAME).toString());
    }

    @Test
    void checksumFileAgreesWithTheConstants() throws IOException {
        Path sums = Path.of("../weights/SHA256SUMS");
        assertThat(Files.readString(sums)).contains(PublishedWeights.SHA256 + "  " + PublishedWeights.FILE_NAME);
    }
}
