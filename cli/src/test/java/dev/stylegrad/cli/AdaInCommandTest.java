package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.io.Npy;
import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.style.TilePolicy;
import dev.stylegrad.style.adain.AdaInStylizer;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stylegrad adain} on the committed narrow AdaIN networks: one picture, blends, folders, tiles, bad input. */
class AdaInCommandTest {
    static final Path DIR = ModelFixtures.ADAIN;
    static final String VGG = DIR.resolve("vgg_legacy.pth").toString(), DECODER = DIR.resolve("decoder_zip.pth").toString();

    @TempDir
    Path dir;

    private Path picture(String npy, String name) throws IOException {
        Path p = dir.resolve(name);
        ImageFiles.write(Pictures.fromArray(Npy.read(DIR.resolve(npy)).mul(255)), p);
        return p;
    }

    private static RgbImage read(Path p) throws IOException {
        return ImageFiles.read(p, ImageFiles.DEFAULT_MAX_PIXELS);
    }

    @Test
    void onePictureGivesTheLibrarysResultAndTilesChangeNothing() throws IOException {
        Path content = picture("content.npy", "content.png"), style = picture("style_0.npy", "style.png");
        Path out = dir.resolve("out.png"), tiled = dir.resolve("tiled.png");
        StylegradCliTest.Result r = run("adain", "--content", content.toString(), "--style", style.toString(), "--vgg", VGG, "--decoder", DECODER,
                "--content-size", "0", "--style-size", "0", "--alpha", "0.8", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains(content + " -> " + out + " (45x37");
        AdaInStylizer s = AdaInStylizer.builder(AdaInEncoder.load(Path.of(VGG)), AdaInDecoder.load(Path.of(DECODER))).alpha(0.8).build();
        RgbImage want = s.stylize(read(content), List.of(read(style)), null);
        assertThat(read(out).pixels()).isEqualTo(want.pixels());
        StylegradCliTest.Result t = run("adain", "--content", content.toString(), "--style", style.toString(), "--vgg", VGG, "--decoder", DECODER,
                "--content-size", "0", "--style-size", "0", "--alpha", "0.8", "--tile", "16", "--out", tiled.toString());
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.err()).contains("in 9 tiles");
        assertThat(read(tiled).pixels()).isEqualTo(want.pixels());
    }

    @Test
    void severalStylesGiveOneResultEachOrOneBlendNamedAsTheReferenceNamesThem() throws IOException {
        Path content = picture("content.npy", "photo.png"), s0 = picture("style_0.npy", "a.png"), s1 = picture("style_1.npy", "b.png");
        Path outs = dir.resolve("outs");
        StylegradCliTest.Result r = run("adain", "--content", content.toString(), "--style", s0 + "," + s1, "--vgg", VGG, "--decoder", DECODER,
                "--content-size", "64", "--style-size", "32", "--out", outs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(outs.resolve("photo_stylized_a.png")).exists();
        assertThat(read(outs.resolve("photo_stylized_b.png")).height()).isEqualTo(64); // shorter side 64, as transforms.Resize(64)
        assertThat(read(outs.resolve("photo_stylized_b.png")).width()).isEqualTo(77); // 64 * 45 / 37, truncated
        Path blend = dir.resolve("blend.png");
        StylegradCliTest.Result b = run("adain", "--content", content.toString(), "--style", s0 + "," + s1, "--style-blend", "1,3", "--original-colors",
                "--vgg", VGG, "--decoder", DECODER, "--out", blend.toString());
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(blend).exists();
    }

    @Test
    void aFolderOfContentsLoadsTheNetworksOnceAndSkipsUnreadablePictures() throws IOException {
        Path in = dir.resolve("in"), outs = dir.resolve("outs");
        Files.createDirectories(in);
        Files.copy(picture("content.npy", "c.png"), in.resolve("one.png"));
        Files.copy(picture("style_1.npy", "c2.png"), in.resolve("two.png"));
        Files.writeString(in.resolve("three.png"), "not a PNG");
        Path style = picture("style_0.npy", "s.png");
        StylegradCliTest.Result r = run("adain", "--content", in.toString(), "--style", style.toString(), "--vgg", VGG, "--decoder", DECODER, "--out", outs.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).containsOnlyOnce("loaded").contains("skipped " + in.resolve("three.png")).contains("2 of 3 results written")
                .contains("1 of 3 pictures could not be stylized: three.png");
        assertThat(outs.resolve("one_stylized_s.png")).exists();
        assertThat(outs.resolve("two_stylized_s.png")).exists();
    }

    @Test
    void badInputIsOneSentenceAndWritesNothing() throws IOException {
        Path content = picture("content.npy", "content.png"), style = picture("style_0.npy", "style.png"), out = dir.resolve("o.png");
        StylegradCliTest.Result missing = run("adain", "--content", content.toString(), "--style", dir.resolve("none.png").toString(), "--vgg", VGG,
                "--decoder", DECODER, "--out", out.toString());
        assertThat(missing.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(missing.err().strip()).isEqualTo("stylegrad: --style " + dir.resolve("none.png") + ": no such file");
        StylegradCliTest.Result swapped = run("adain", "--content", content.toString(), "--style", style.toString(), "--vgg", DECODER, "--decoder", VGG,
                "--out", out.toString());
        assertThat(swapped.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(swapped.err()).contains(DECODER).contains("not an AdaIN encoder");
        StylegradCliTest.Result alpha = run("adain", "--content", content.toString(), "--style", style.toString(), "--alpha", "2", "--vgg", VGG,
                "--decoder", DECODER, "--out", out.toString());
        assertThat(alpha.code()).isEqualTo(ExitCode.USAGE);
        assertThat(alpha.err()).contains("--alpha must be between 0 and 1, got 2.0");
        StylegradCliTest.Result tiny = run("adain", "--content", content.toString(), "--style", style.toString(), "--content-size", "8", "--vgg", VGG,
                "--decoder", DECODER, "--out", out.toString());
        assertThat(tiny.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(tiny.err()).contains("AdaIN needs at least 9 pixels");
        StylegradCliTest.Result blend = run("adain", "--content", content.toString(), "--style", style.toString(), "--style-blend", "1,2", "--vgg", VGG,
                "--decoder", DECODER, "--out", out.toString());
        assertThat(blend.code()).isEqualTo(ExitCode.USAGE);
        assertThat(out).doesNotExist();
        StylegradCliTest.Result over = run("adain", "--content", content.toString(), "--style", style.toString(), "--vgg", VGG, "--decoder", DECODER,
                "--out", content.toString());
        assertThat(over.code()).isEqualTo(ExitCode.USAGE);
        assertThat(over.err()).contains("is the --content picture");
        assertThat(TilePolicy.parse("auto")).isInstanceOf(TilePolicy.Auto.class);
    }
}
