package dev.stylegrad.style.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
    static final Path FIXTURES = Path.of("src/test/fixtures/images");

    @TempDir
    Path dir;

    private static RgbImage read(String name) throws IOException {
        return ImageFiles.read(FIXTURES.resolve(name), ImageFiles.DEFAULT_MAX_PIXELS);
    }

    /** Largest per-channel difference between two same-sized images. */
    static int maxChannelDiff(RgbImage a, RgbImage b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        int worst = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            for (int s = 0; s <= 16; s += 8) {
                worst = Math.max(worst, Math.abs(((a.pixels()[i] >> s) & 0xFF) - ((b.pixels()[i] >> s) & 0xFF)));
            }
        }
        return worst;
    }

    @Test
    void decodesEveryKindToRgbAndSaysWhatWasConverted() throws IOException {
        RgbImage rgb = read("rgb.png");
        assertThat(rgb.width()).isEqualTo(37);
        assertThat(rgb.height()).isEqualTo(23);
        assertThat(rgb.conversions()).isEmpty();
        RgbImage gray = read("gray.png");
        assertThat(gray.conversions()).containsExactly("grayscale expanded to RGB");
        // Pillow's L = (299 R + 587 G + 114 B) / 1000; the grey PNG must decode to those values, not gamma-brightened.
        int p = rgb.pixels()[7];
        int luma = (int) Math.round((299 * ((p >> 16) & 0xFF) + 587 * ((p >> 8) & 0xFF) + 114 * (p & 0xFF)) / 1000.0);
        assertThat(gray.pixels()[7] & 0xFF).isCloseTo(luma, org.assertj.core.api.Assertions.within(1));
        assertThat(gray.pixels()[7]).isEqualTo((gray.pixels()[7] & 0xFF) * 0x010101);
        RgbImage gray16 = read("gray16.png");
        assertThat(gray16.conversions()).contains("16-bit samples reduced to 8-bit");
        // 16-bit value r·257 is exactly 8-bit r, grey: all channels equal to rgb.png's red.
        assertThat(gray16.pixels()[5] & 0xFF).isEqualTo((rgb.pixels()[5] >> 16) & 0xFF);
        assertThat(read("palette.png").conversions()).contains("palette expanded to RGB");
        assertThat(read("rgba.png").conversions()).contains("alpha channel composited over white");
        assertThat(maxChannelDiff(read("baseline.jpg"), read("baseline_decoded_by_pil.png"))).isLessThanOrEqualTo(3);
        assertThat(maxChannelDiff(read("progressive.jpg"), read("progressive_decoded_by_pil.png"))).isLessThanOrEqualTo(3);
        RgbImage cmyk = read("cmyk.jpg");
        assertThat(cmyk.conversions()).contains("CMYK converted to RGB");
        assertThat(cmyk.width()).isEqualTo(37);
        // The file is Adobe CMYK without an ICC profile: the TwelveMonkeys reader (a dependency) converts it as Pillow
        // does, R = (255 − C)(255 − K)/255 etc., so like the other JPEGs only IDCT rounding may differ (measured: 0).
        // The JDK's own reader would gamma-encode that result again: up to 73 levels brighter.
        assertThat(maxChannelDiff(cmyk, read("cmyk_decoded_by_pil.png"))).isLessThanOrEqualTo(3);
    }

    @Test
    void refusesADecompressionBombBeforeAllocatingItsPixels() {
        long before = Runtime.getRuntime().totalMemory();
        assertThatThrownBy(() -> read("bomb.png")).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("bomb.png").hasMessageContaining("100000x100000").hasMessageContaining("--max-pixels");
        assertThat(Runtime.getRuntime().totalMemory() - before).isLessThan(256L << 20);
    }

    @Test
    void badFilesFailWithTheFileAndTheProblem() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.png"));
        assertThatThrownBy(() -> ImageFiles.read(empty, 100)).isInstanceOf(ImageInputException.class).hasMessageContaining("empty (0 bytes)");
        Path text = Files.writeString(dir.resolve("notes.jpg"), "not an image at all");
        assertThatThrownBy(() -> ImageFiles.read(text, 1000)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("notes.jpg").hasMessageContaining("despite its extension");
        byte[] whole = Files.readAllBytes(FIXTURES.resolve("baseline.jpg"));
        Path truncated = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(whole, 300));
        assertThatThrownBy(() -> ImageFiles.read(truncated, 1000)).isInstanceOf(ImageInputException.class).hasMessageContaining("cut.jpg");
        assertThatThrownBy(() -> ImageFiles.read(dir.resolve("missing.png"), 1000)).hasMessageContaining("no such file");
        assertThatThrownBy(() -> ImageFiles.read(FIXTURES.resolve("rgb.png"), 100)).hasMessageContaining("37x23 = 851 pixels");
    }

    @Test
    void writesPngLosslesslyAndJpegByExtensionAtomically() throws IOException {
        RgbImage rgb = read("rgb.png");
        Path png = dir.resolve("out.png");
        ImageFiles.write(rgb, png);
        assertThat(ImageFiles.read(png, 10_000).pixels()).isEqualTo(rgb.pixels());
        // JPEG is lossy (and subsamples colour), so round-trip a smooth gradient rather than noise.
        int[] smooth = new int[64 * 48];
        for (int i = 0; i < smooth.length; i++) smooth[i] = (i % 64 * 4) << 16 | (i / 64 * 5) << 8 | 128;
        RgbImage gradient = new RgbImage(64, 48, smooth);
        Path jpg = dir.resolve("out.JPG");
        ImageFiles.write(gradient, jpg);
        assertThat(maxChannelDiff(ImageFiles.read(jpg, 10_000), gradient)).isLessThanOrEqualTo(8);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("out.png", "out.JPG");
        }
        assertThatThrownBy(() -> ImageFiles.write(rgb, dir.resolve("out.gif"))).hasMessageContaining("must end in .png, .jpg or .jpeg");
        assertThatThrownBy(() -> ImageFiles.checkWritable(dir.resolve("no/such/dir/out.png"))).hasMessageContaining("does not exist");
    }
}
