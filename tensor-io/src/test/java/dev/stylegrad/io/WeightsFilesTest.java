package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WeightsFiles.open: format by content, clear errors for everything else. */
class WeightsFilesTest {
    @TempDir
    Path dir;

    @Test
    void chooseTheFormatByContentNotByExtension() throws IOException {
        Path fixtures = WeightsReaderFixtureTest.DIR;
        Path zipNamedSafetensors = Files.copy(fixtures.resolve("small_zip.pth"), dir.resolve("weights.safetensors"));
        Path safetensorsNamedPth = Files.copy(fixtures.resolve("small.safetensors"), dir.resolve("weights.pth"));
        Path legacyNamedBin = Files.copy(fixtures.resolve("small_legacy.pth"), dir.resolve("weights.bin"));
        try (WeightsReader a = WeightsFiles.open(zipNamedSafetensors);
                WeightsReader b = WeightsFiles.open(safetensorsNamedPth);
                WeightsReader c = WeightsFiles.open(legacyNamedBin)) {
            assertThat(a.format()).isEqualTo("pytorch-zip");
            assertThat(b.format()).isEqualTo("safetensors");
            assertThat(c.format()).isEqualTo("pytorch-legacy");
        }
    }

    @Test
    void nonWeightsFilesAreRefusedSayingWhatWasExpectedAndFound() throws IOException {
        Path elf = TorchFiles.write(dir, "vgg19.pth", new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
        assertThatThrownBy(() -> WeightsFiles.open(elf)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageStartingWith(elf + ": unknown format: expected a PyTorch checkpoint")
                .hasMessageContaining("or a safetensors file").hasMessageContaining("7f 45 4c 46 02 01 01 00 00 00 (\".ELF......\")");
        Path html = TorchFiles.write(dir, "download.pth", "<!DOCTYPE html><html><body>Not Found</body></html>".getBytes());
        assertThatThrownBy(() -> WeightsFiles.open(html)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("(\"<!DOCTYPE html><\")");
        Path empty = TorchFiles.write(dir, "empty.pth", new byte[0]);
        assertThatThrownBy(() -> WeightsFiles.open(empty)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessage(empty + ": file is empty; expected a PyTorch checkpoint or a safetensors file");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(), 0, tar, 257, 5);
        Path tarFile = TorchFiles.write(dir, "old.pth", tar);
        assertThatThrownBy(() -> WeightsFiles.open(tarFile)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("tar-based format");
        // A pickle that is not a torch checkpoint.
        Path pickle = TorchFiles.write(dir, "plain.pkl", PickleBuilder.proto2().emptyDict().stop().bytes());
        assertThatThrownBy(() -> WeightsFiles.open(pickle)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("not a legacy PyTorch file: expected magic number 0x1950a86a20f9469cfc6c, found dict of 0");
        // A zip that is not a torch checkpoint.
        Path zip = TorchFiles.write(dir, "other.zip", TorchFiles.zipOf(java.util.Map.of("readme.txt", "hi".getBytes())));
        assertThatThrownBy(() -> WeightsFiles.open(zip)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("expected a PyTorch zip checkpoint with an '<archive>/data.pkl' entry, found 1 entries");
    }

    @Test
    void missingFileIsNoSuchFile() {
        assertThatThrownBy(() -> WeightsFiles.open(dir.resolve("nope.pth"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void exceptionCarriesTheFile() throws IOException {
        Path p = TorchFiles.write(dir, "x.pth", new byte[] {1, 2, 3});
        assertThatThrownBy(() -> WeightsFiles.open(p)).isInstanceOfSatisfying(WeightsFormatException.class,
                e -> assertThat(e.file()).isEqualTo(p));
    }
}
