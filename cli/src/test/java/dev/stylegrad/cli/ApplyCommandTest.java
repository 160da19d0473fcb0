package dev.stylegrad.cli;

import dev.stylegrad.models.ModelFixtures;
import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stylegrad apply} on the committed narrow TransformerNet: one picture, a folder of frames, bad input. */
class ApplyCommandTest {
    static final Path MODEL = ModelFixtures.TRANSFORMER.resolve("transformer_legacy.pth");

    @TempDir
    Path dir;

    private static RgbImage picture(int k) throws IOException {
        return Pictures.fromArray(Npy.read(ModelFixtures.TRANSFORMER.resolve("picture_" + k + ".npy")));
    }

    @Test
    void onePictureGivesExactlyTheLibrarysResult() throws IOException {
        Path in = dir.resolve("in.png"), out = dir.resolve("out.png");
        ImageFiles.write(picture(2), in);
        StylegradCliTest.Result r = run("apply", "--model", MODEL.toString(), "--content", in.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("widths 4, 8, 16").contains(in + " -> " + out + " (40x48");
        TransformerNet net = TransformerNet.load(MODEL).freeze(); // as apply loads it
        RgbImage want = Pictures.fromArray(net.apply(Pictures.toArray(ImageFiles.read(in, ImageFiles.DEFAULT_MAX_PIXELS))));
        assertThat(ImageFiles.read(out, ImageFiles.DEFAULT_MAX_PIXELS).pixels()).isEqualTo(want.pixels());
    }

    @Test
    void aFolderIsStylizedInNameOrderSkippingUnreadablePicturesWithOneLineEach() throws IOException {
        Path frames = dir.resolve("frames"), out = dir.resolve("styled");
        Files.createDirectories(frames);
        ImageFiles.write(picture(0), frames.resolve("frame-002.png"));
        ImageFiles.write(picture(1), frames.resolve("frame-001.png"));
        ImageFiles.write(picture(2), frames.resolve("frame-003.jpg"));
        Files.writeString(frames.resolve("frame-004.png"), "not a PNG");
        Files.writeString(frames.resolve("notes.txt"), "ignored");
        StylegradCliTest.Result r = run("apply", "--model", MODEL.toString(), "--content", frames.toString(), "--out", out.toString(), "--size", "32");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("skipped " + frames.resolve("frame-004.png")).contains("3 of 4 pictures written")
                .contains("1 of 4 pictures could not be stylized: frame-004.png").doesNotContain("notes.txt");
        assertThat(r.err().indexOf("frame-001.png ->")).isLessThan(r.err().indexOf("frame-002.png ->"));
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("frame-001.png", "frame-002.png", "frame-003.jpg");
        }
        assertThat(ImageFiles.read(out.resolve("frame-001.png"), ImageFiles.DEFAULT_MAX_PIXELS).maxSide()).isEqualTo(32);
    }

    @Test
    void aModelThatIsNotATransformerNetIsBadInputNamingTheFile() throws IOException {
        Path in = dir.resolve("in.png");
        ImageFiles.write(picture(2), in);
        String vgg = ModelFixtures.MINI_VGG19.toString();
        StylegradCliTest.Result r = run("apply", "--model", vgg, "--content", in.toString(), "--out", dir.resolve("o.png").toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(vgg).contains("not a fast_neural_style TransformerNet");
        assertThat(dir.resolve("o.png")).doesNotExist();
    }
}
