package dev.stylegrad.cli;

import dev.stylegrad.models.ModelFixtures;
import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stylegrad run} through the CLI on the mini VGG19: the options only the CLI has, exit codes, files. */
class RunCommandTest {
    static final Path COURSE = Path.of("../styletransfer/src/test/fixtures/course");
    static final String WEIGHTS = ModelFixtures.MINI_VGG19.toString();

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        Backend.setThreads(Runtime.getRuntime().availableProcessors());
        System.clearProperty("stylegrad.home");
        System.clearProperty("stylegrad.weightsUrl");
        RunCommand.observer = Pause.NONE;
    }

    private List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--weights", WEIGHTS, "--content", COURSE.resolve("content.png").toString(),
                "--style", COURSE.resolve("style.png").toString(), "--size", "56"));
        a.addAll(List.of(extra));
        return a;
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private StylegradCliTest.Result runWith(String... extra) {
        return run(args(extra).toArray(new String[0]));
    }

    @Test
    void logJsonHasOneObjectPerStepMatchingTheCourseReference() throws IOException {
        Path out = dir.resolve("out.png"), log = dir.resolve("log.jsonl");
        StylegradCliTest.Result r = runWith("--steps", "5", "--out", out.toString(), "--log-json", log.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty(); // nothing but requested output on stdout
        assertThat(r.err()).contains("backend=cpu").contains("done: 5 step(s)").contains(out.toAbsolutePath().toString());
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("{\"step\":0,\"content\":").contains("\"style\":").contains("\"tv\":").contains("\"total\":").contains("\"seconds\":");
        List<double[]> ours = dev.stylegrad.style.CourseReferenceAccess.readLog(log);
        List<double[]> torch = dev.stylegrad.style.CourseReferenceAccess.readLog(COURSE.resolve("adam_log.jsonl"));
        assertThat(ours).hasSize(5);
        // Content, style and total of each step on their own scales (the content term is ~1e-14 of the total).
        dev.stylegrad.style.CourseReferenceAccess.assertLogMatches("run --log-json vs the course reference", ours, torch, 5, 1e-3);
        RgbImage img = ImageFiles.read(out, 10_000);
        assertThat(img.width()).isEqualTo(56);
    }

    /**
     * While a 5-step run is paused after step 3 ({@link RunCommand#PAUSE_AFTER_STEP}), the output file is the image
     * of step 2 (--save-every 2): pixel for pixel what a 2-step run ends with. With --save-every 0 there is no file
     * yet. Both runs then end with the 5-step image.
     */
    @Test
    void saveEveryWritesTheImageDuringTheRun() throws Exception {
        Path two = dir.resolve("two.png");
        assertThat(runWith("--steps", "2", "--save-every", "0", "--out", two.toString()).code()).isZero();
        Path out = dir.resolve("out.png"), none = dir.resolve("none.png");

        StylegradCliTest.Result r = runPaused(3, out, () -> {
            assertThat(out).as("--save-every 2, paused after step 3").exists();
            assertThat(ImageFiles.read(out, 10_000).pixels()).as("the image saved after step 2").isEqualTo(ImageFiles.read(two, 10_000).pixels());
        }, "--steps", "5", "--save-every", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("saved the image after step 2").contains("saved the image after step 4").doesNotContain("after step 5");

        StylegradCliTest.Result r0 = runPaused(3, none, () -> assertThat(none).as("--save-every 0, paused after step 3").doesNotExist(),
                "--steps", "5", "--save-every", "0", "--out", none.toString());
        assertThat(r0.code()).as(r0.err()).isZero();
        assertThat(r0.err()).doesNotContain("saved the image");
        int[] fifth = ImageFiles.read(none, 10_000).pixels();
        assertThat(ImageFiles.read(out, 10_000).pixels()).as("both end with step 5's image").isEqualTo(fifth).isNotEqualTo(ImageFiles.read(two, 10_000).pixels());
    }

    /** Runs the CLI in this JVM on another thread, paused after step {@code step} while {@code whilePaused} runs. */
    private StylegradCliTest.Result runPaused(int step, Path out, PausedRun.Check whilePaused, String... extra) throws Exception {
        return PausedRun.run(dir.resolve("paused"), step, whilePaused, () -> runWith(extra));
    }

    @Test
    void plotWritesALossCurvePng() throws IOException {
        Path plot = dir.resolve("loss.png");
        StylegradCliTest.Result r = runWith("--steps", "4", "--out", dir.resolve("o.png").toString(), "--plot", plot.toString());
        assertThat(r.code()).as(r.err()).isZero();
        var img = ImageIO.read(plot.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
    }

    @Test
    void jpegOutputAndOptimizerOption() throws IOException {
        Path out = dir.resolve("out.jpg"), log = dir.resolve("l.jsonl");
        StylegradCliTest.Result r = runWith("--steps", "3", "--optimizer", "lbfgs", "--out", out.toString(), "--log-json", log.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).containsPattern("3 step\\(s\\), [3-9]\\d* evaluation");
        assertThat(Files.readAllBytes(out)).startsWith((byte) 0xFF, (byte) 0xD8); // JPEG magic
        // L-BFGS drops the loss far faster than Adam's first steps.
        List<double[]> l = dev.stylegrad.style.CourseReferenceAccess.readLog(log);
        assertThat(l.get(2)[4]).isLessThan(0.7 * l.get(0)[4]);
    }

    @Test
    void tileSaysHowItTilesAndBadValuesAreUsageErrors() throws IOException {
        Path tiled = dir.resolve("tiled.png"), whole = dir.resolve("whole.png");
        StylegradCliTest.Result r = runWith("--steps", "2", "--tile", "16", "--out", tiled.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("computing each 56x").contains("tiles of 16 px").contains("a halo of 80 px");
        StylegradCliTest.Result off = runWith("--steps", "2", "--tile", "off", "--out", whole.toString());
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.err()).doesNotContain("tiles of");
        int[] a = ImageFiles.read(tiled, 10_000).pixels(), b = ImageFiles.read(whole, 10_000).pixels();
        int worst = 0;
        for (int i = 0; i < a.length; i++) for (int shift = 0; shift < 24; shift += 8) worst = Math.max(worst, Math.abs((a[i] >> shift & 255) - (b[i] >> shift & 255)));
        assertThat(worst).as("tiled and untiled images, 8-bit levels").isLessThanOrEqualTo(1);
        for (String bad : new String[] {"8", "-1", "big", "0"}) {
            StylegradCliTest.Result u = runWith("--steps", "1", "--tile", bad, "--out", dir.resolve("u.png").toString());
            assertThat(u.code()).as(bad).isEqualTo(ExitCode.USAGE);
            assertThat(u.err()).contains("--tile must be auto, off or a tile side of at least 16 pixels");
        }
        assertThat(dir.resolve("u.png")).doesNotExist();
    }

    @Test
    void threadsAndDevice() {
        StylegradCliTest.Result one = runWith("--steps", "1", "--threads", "1", "--out", dir.resolve("o.png").toString());
        assertThat(one.code()).as(one.err()).isZero();
        assertThat(one.err()).contains("threads=1");
        StylegradCliTest.Result cuda = runWith("--steps", "1", "--device", "cuda", "--out", dir.resolve("cuda.png").toString());
        assertThat(cuda.code()).as("an option this build cannot honour is a usage error").isEqualTo(ExitCode.USAGE);
        assertThat(cuda.err()).contains("--device cuda").contains("-Pcuda");
        assertThat(dir.resolve("cuda.png")).doesNotExist();
        assertThat(runWith("--steps", "1", "--device", "tpu", "--out", dir.resolve("o.png").toString()).code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void inputProblemsFailBeforeTheRunWithNothingWritten() {
        Path log = dir.resolve("log.jsonl");
        StylegradCliTest.Result big = runWith("--steps", "1", "--max-pixels", "1000", "--out", dir.resolve("o.png").toString(), "--log-json", log.toString());
        assertThat(big.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(big.err()).contains("content.png").contains("--max-pixels");
        StylegradCliTest.Result noDir = runWith("--steps", "1", "--out", dir.resolve("missing/o.png").toString(), "--log-json", log.toString());
        assertThat(noDir.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(noDir.err()).contains("does not exist");
        assertThat(log).doesNotExist();
        StylegradCliTest.Result badLayer = runWith("--steps", "1", "--style-layers", "relu1_1,relu9_9", "--out", dir.resolve("o.png").toString());
        assertThat(badLayer.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(badLayer.err()).contains("relu9_9");
        assertThat(run("run", "--content", "x.png").code()).isEqualTo(ExitCode.USAGE);
        assertThat(dir.resolve("cuda.png")).doesNotExist();
    }

    /**
     * A run that diverges at step n (n finite steps logged, the n-th not) writes the image step n − 1's finite losses
     * were computed at: pixel for pixel the output of the same run stopped after n − 1 steps.
     */
    @Test
    void divergenceExitsFourKeepingTheLastFiniteImage() throws IOException {
        Path out = dir.resolve("o.png"), log = dir.resolve("log.jsonl");
        // L-BFGS with fixed steps of 100 diverges after a few finite steps (Adam overflows at once or not at all).
        String[] diverging = {"--optimizer", "lbfgs", "--no-line-search", "--lr", "100"};
        StylegradCliTest.Result r = runWith(concat(diverging, "--steps", "20", "--out", out.toString(), "--log-json", log.toString()));
        assertThat(r.code()).isEqualTo(ExitCode.DIVERGED);
        assertThat(r.err()).contains("diverged");
        int n = Files.readAllLines(log).size(); // the finite steps 0 .. n-1; step n diverged
        assertThat(n).as("finite steps before the divergence").isGreaterThanOrEqualTo(2);
        Path shorter = dir.resolve("shorter.png");
        assertThat(runWith(concat(diverging, "--steps", Integer.toString(n - 1), "--save-every", "0", "--out", shorter.toString())).code()).isZero();
        assertThat(ImageFiles.read(out, 10_000).pixels()).isEqualTo(ImageFiles.read(shorter, 10_000).pixels());
    }

    @Test
    void masterWithoutTheSparkModuleIsAUsageErrorThatSaysWhatIsMissing() {
        Path out = dir.resolve("m.png");
        StylegradCliTest.Result r = run(args("--steps", "1", "--tile", "32", "--out", out.toString(), "--master", "local[2]").toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--master needs the spark module").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
        StylegradCliTest.Result conf = run(args("--steps", "1", "--out", out.toString(), "--conf", "spark.executor.memory=2g").toArray(new String[0]));
        assertThat(conf.code()).as(conf.err()).isEqualTo(ExitCode.USAGE);
        assertThat(conf.err()).contains("--conf sets Spark settings for --master");
    }

    @Test
    void withoutContentAndStyleItStylizesTheBundledExamples() throws IOException {
        Path home = Files.createDirectories(dir.resolve("checkout/weights"));
        StylegradCliTest.run("weights", "convert", "--weights", WEIGHTS, "--out", home.resolve("vgg19-features.safetensors").toString());
        System.setProperty("stylegrad.home", dir.resolve("checkout").toString());
        Path out = dir.resolve("ex.png");
        StylegradCliTest.Result r = run("run", "--steps", "2", "--size", "64", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("the bundled example");
        RgbImage img = ImageFiles.read(out, 100_000);
        assertThat(img.width()).isEqualTo(64);
        assertThat(img.height()).isEqualTo(48);
    }

    @Test
    void missingWeightsThatCannotBeFetchedExitThreeSayingHowToGetThem() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        System.setProperty("stylegrad.home", dir.toString());
        System.setProperty("stylegrad.weightsUrl", "http://127.0.0.1:" + closedPort + "/vgg19.pth");
        StylegradCliTest.Result r = run("run", "--steps", "1", "--size", "32", "--out", dir.resolve("o.png").toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("cannot download").contains("stylegrad weights fetch").contains(dir.resolve("weights").toString());
        assertThat(dir.resolve("cuda.png")).doesNotExist();
    }

    /** Ctrl-C: a real process gets SIGINT, saves the current image and exits 130. */
    @Test
    void interruptSavesTheCurrentImageAndExits130() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill");
        org.junit.jupiter.api.Assumptions.assumeFalse(Signals.sigintIgnored(), "SIGINT is ignored in this process (a background job?); its children would ignore Ctrl-C too");
        Path out = dir.resolve("o.png"), log = dir.resolve("log.jsonl");
        Path three = dir.resolve("three.png"), pause = dir.resolve("paused");
        assertThat(runWith("--steps", "3", "--save-every", "0", "--out", three.toString()).code()).isZero();
        // A 100,000-step run that pauses after step 3 until Ctrl-C: the signal lands at a known step, whatever the speed.
        Process p = RunCommandKillResumeTest.start(dir, "stderr", args("--steps", "100000", "--save-every", "0", "--out", out.toString(),
                "--log-json", log.toString()), 3, pause);
        try {
            RunCommandKillResumeTest.awaitPause(p, pause, dir.resolve("stderr.txt"));
            assertThat(out).as("--save-every 0: nothing written before Ctrl-C").doesNotExist();
            new ProcessBuilder("/bin/kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly(); // a failed check must not leave a 100,000-step run behind
        }
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("stderr.txt"))).isEqualTo(ExitCode.INTERRUPTED);
        assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("interrupted: 3 step(s)");
        assertThat(Files.readAllLines(log)).hasSize(3);
        // The image saved on Ctrl-C is the current one: step 3's, what a 3-step run ends with.
        assertThat(ImageFiles.read(out, 10_000).pixels()).isEqualTo(ImageFiles.read(three, 10_000).pixels());
    }
}
