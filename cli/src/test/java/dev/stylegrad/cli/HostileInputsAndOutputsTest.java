package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's bad images and bad output places, through the CLI: every case ends in exit 2 with a sentence naming the
 * file and the problem, before the run starts, and leaves no file behind; odd but valid images work. The full-disk
 * and read-only cases mount a tiny tmpfs (root only; skipped where mounting is not allowed).
 */
class HostileInputsAndOutputsTest {
    static final Path IMAGES = Path.of("../styletransfer/src/test/fixtures/images");

    @TempDir
    Path dir;

    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        Backend.setThreads(Runtime.getRuntime().availableProcessors());
        for (Path m : mounts) exec("umount", m.toString());
    }

    private StylegradCliTest.Result runOn(Path content, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--weights", RunCommandTest.WEIGHTS, "--content", content.toString(),
                "--style", RunCommandTest.COURSE.resolve("style.png").toString(), "--steps", "2", "--out", out.toString()));
        if (!List.of(extra).contains("--size")) a.addAll(List.of("--size", "56"));
        a.addAll(List.of(extra));
        return run(a.toArray(new String[0]));
    }

    private Path png(String name, int w, int h) throws IOException {
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) px[i] = (i * 2654435761L % 0xFFFFFF) > 0 ? (int) (i * 2654435761L % 0xFFFFFF) : 0x808080;
        Path p = dir.resolve(name);
        ImageFiles.write(new RgbImage(w, h, px), p);
        return p;
    }

    private List<String> filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void badImageFilesAreRefusedBeforeTheRunWithNothingWritten() throws IOException {
        Path out = dir.resolve("out.png");
        Path empty = Files.createFile(dir.resolve("empty.png"));
        Path text = Files.writeString(dir.resolve("notes.png"), "this is not a picture");
        byte[] jpeg = Files.readAllBytes(IMAGES.resolve("baseline.jpg"));
        Path truncated = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        Object[][] cases = {
            {empty, "empty (0 bytes)"},
            {text, "not a PNG or JPEG"},
            {truncated, "truncated or corrupt"},
            {IMAGES.resolve("bomb.png"), "--max-pixels"},
            {dir.resolve("missing.png"), "no such file"},
        };
        for (Object[] c : cases) {
            StylegradCliTest.Result r = runOn((Path) c[0], out);
            assertThat(r.code()).as(c[0] + ": " + r.err()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(r.err()).as(c[0].toString()).contains(((Path) c[0]).getFileName().toString()).contains((String) c[1]);
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void oddButValidImagesWork() throws IOException {
        // A 1x1 picture is upscaled to the working size; a PNG named .jpg is read by its content.
        Path tiny = png("tiny.png", 1, 1);
        Path out = dir.resolve("from-tiny.png");
        StylegradCliTest.Result r = runOn(tiny, out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ImageFiles.read(out, 1_000_000).width()).isEqualTo(56);
        Path misnamed = Files.move(png("really-a-png.png", 40, 30), dir.resolve("really-a-png.jpg"));
        StylegradCliTest.Result m = runOn(misnamed, dir.resolve("from-misnamed.png"));
        assertThat(m.code()).as(m.err()).isZero();
    }

    @Test
    void extremeAspectRatiosAreRefusedSayingWhatSizeWouldWork() throws IOException {
        for (int[] wh : new int[][] {{1, 400}, {400, 3}}) {
            Path thin = png("thin-" + wh[0] + "x" + wh[1] + ".png", wh[0], wh[1]);
            Path out = dir.resolve("out.png");
            Path log = dir.resolve("log.jsonl");
            StylegradCliTest.Result r = runOn(thin, out, "--log-json", log.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(r.err()).contains("content image (" + wh[0] + "x" + wh[1] + ")").contains("at least 16x16").contains("relu5_1")
                    .contains("--size");
            assertThat(out).doesNotExist();
            assertThat(log).doesNotExist();
        }
    }

    @Test
    void aFullDiskIsRefusedBeforeTheRunAndAtomicWritesLeaveNoPartialFile() throws Exception {
        Path fs = tinyFileSystem("size=256k");
        Files.write(fs.resolve("filler.bin"), new byte[256 * 1024 - 40 * 1024]); // leaves ~40 KB
        StylegradCliTest.Result r = runOn(RunCommandTest.COURSE.resolve("content.png"), fs.resolve("out.png"), "--size", "160");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("not enough free space").contains("output image").contains(fs.toString());
        assertThat(filesIn(fs)).containsExactly("filler.bin");

        // A write that runs out of space mid-file (the disk filled up after the check) fails cleanly: the old file
        // stays whole and no temporary file is left.
        Files.delete(fs.resolve("filler.bin"));
        Path image = fs.resolve("image.png");
        RgbImage small = ImageFiles.read(png("small.png", 8, 8), 1000);
        ImageFiles.write(small, image);
        byte[] before = Files.readAllBytes(image);
        Files.write(fs.resolve("filler.bin"), new byte[256 * 1024 - 24 * 1024]);
        int[] noisy = new int[300 * 300];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < noisy.length; i++) noisy[i] = rnd.nextInt(1 << 24); // incompressible: ~270 KB as PNG
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ImageFiles.write(new RgbImage(300, 300, noisy), image)))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
        assertThat(filesIn(fs)).containsExactly("filler.bin", "image.png");
    }

    @Test
    void aReadOnlyOrMissingOutputDirectoryIsRefusedBeforeTheRun() throws Exception {
        StylegradCliTest.Result missing = runOn(RunCommandTest.COURSE.resolve("content.png"), dir.resolve("no/such/dir/out.png"));
        assertThat(missing.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(missing.err()).contains("does not exist");
        Path fs = tinyFileSystem("size=64k,ro");
        StylegradCliTest.Result r = runOn(RunCommandTest.COURSE.resolve("content.png"), fs.resolve("out.png"));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains(fs.resolve("out.png").toString()).contains("not writable");
        assertThat(filesIn(fs)).isEmpty();
    }

    /** Mounts a tmpfs with these options under the test directory, or skips the test where that is not allowed. */
    private Path tinyFileSystem(String options) throws Exception {
        Path m = Files.createDirectory(dir.resolve("mnt-" + mounts.size()));
        int code = exec("mount", "-t", "tmpfs", "-o", options, "tmpfs", m.toString());
        assumeThat(code).as("mounting a tmpfs (needs root; skipped otherwise)").isZero();
        mounts.add(m);
        return m;
    }

    private static int exec(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1; // no mount command
        }
    }
}
