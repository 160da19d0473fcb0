package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The CLI end to end on the mini VGG19 fixtures: outputs, exit codes, and stdout/stderr discipline. */
class StylegradCliTest {
    static final Path MINI = Path.of("../models/src/test/fixtures/mini_vgg19");

    @TempDir
    Path dir;

    /** Exit code, stdout and stderr of one CLI run. */
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int code = StylegradCli.execute(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Every command's help formats cleanly: a stray '%' in a description makes picocli warn and print it raw. */
    @Test
    void everyCommandsHelpFormatsWithoutWarnings() {
        for (String[] args : new String[][] {{"--help"}, {"run", "--help"}, {"apply", "--help"}, {"features", "--help"}, {"weights", "--help"},
                {"weights", "fetch", "--help"}, {"weights", "verify", "--help"}, {"weights", "convert", "--help"}}) {
            Result r = run(args);
            String what = String.join(" ", args);
            assertThat(r.code()).as(what + ": " + r.err()).isZero();
            assertThat(r.out()).as(what).contains("Usage:");
            assertThat(r.out() + r.err()).as(what).doesNotContain("WARN").doesNotContain("Could not format");
        }
        assertThat(run("run", "--help").out()).contains("in 65% of the time").contains("--precision=fp32|bf16");
    }

    @Test
    void featuresWritesNpyPerLayerMatchingPyTorch() throws IOException {
        Path out = dir.resolve("feats");
        Result r = run("features", "--weights", MINI.resolve("mini_vgg19_legacy.pth").toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "conv1_1,relu3_2,pool5", "--size", "50", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        for (String layer : new String[] {"conv1_1", "relu3_2", "pool5"}) {
            INDArray got = Npy.read(out.resolve(layer + ".npy"));
            INDArray want = Npy.read(MINI.resolve("features_max").resolve(layer + ".npy"));
            assertThat(got.shape()).containsExactly(want.shape());
            assertThat(got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue()).as(layer).isLessThanOrEqualTo(1e-5);
        }
        try (var files = Files.list(out)) {
            assertThat(files).hasSize(3);
        }
    }

    @Test
    void sizeOptionResamplesAndPoolingOptionIsHonoured() throws IOException {
        Path out = dir.resolve("small");
        Result r = run("features", "--weights", MINI.resolve("mini_vgg19_zip.pth").toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "conv1_1", "--size", "25", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Npy.read(out.resolve("conv1_1.npy")).shape()).containsExactly(1, 4, 17, 25);
        Path avg = dir.resolve("avg");
        assertThat(run("features", "--weights", MINI.resolve("mini_vgg19_zip.pth").toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "pool2", "--size", "50", "--pooling", "avg", "--out", avg.toString()).code()).isZero();
        INDArray want = Npy.read(MINI.resolve("features_avg/pool2.npy"));
        assertThat(Npy.read(avg.resolve("pool2.npy")).sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue()).isLessThan(1e-5);
    }

    @Test
    void badInputsExitThreeWithOneSentenceNamingTheProblem() throws IOException {
        Result unknownLayer = run("features", "--weights", MINI.resolve("mini_vgg19_zip.pth").toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "conv6_1", "--out", dir.resolve("x").toString());
        assertThat(unknownLayer.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(unknownLayer.err()).contains("unknown layer 'conv6_1'");
        assertThat(dir.resolve("x")).doesNotExist();

        Result missingWeights = run("features", "--weights", dir.resolve("nope.pth").toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "conv1_1", "--out", dir.resolve("y").toString());
        assertThat(missingWeights.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(missingWeights.err()).contains("nope.pth").contains("stylegrad weights fetch");

        Path notWeights = Files.writeString(dir.resolve("w.pth"), "hello, I am not a pickle");
        Result badWeights = run("features", "--weights", notWeights.toString(), "--image", MINI.resolve("image.png").toString(),
                "--layers", "conv1_1", "--out", dir.resolve("z").toString());
        assertThat(badWeights.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(badWeights.err()).contains("w.pth").doesNotContain("Exception").doesNotContain("\tat ");

        Result badImage = run("features", "--weights", MINI.resolve("mini_vgg19_zip.pth").toString(), "--image", notWeights.toString(),
                "--layers", "conv1_1", "--out", dir.resolve("z").toString());
        assertThat(badImage.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(badImage.err()).contains("w.pth").contains("not a PNG or JPEG");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("features", "--image").code()).isEqualTo(ExitCode.USAGE);
        assertThat(run("no-such-command").code()).isEqualTo(ExitCode.USAGE);
        assertThat(run("weights").code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void weightsVerifyAndConvertRoundTrip() throws IOException {
        Result verify = run("weights", "verify", MINI.resolve("mini_vgg19_legacy.pth").toString());
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).contains("not the published").contains("VGG19 structure OK").contains("[4, 5, 6");
        Path cache = dir.resolve("cache.safetensors");
        Result convert = run("weights", "convert", "--weights", MINI.resolve("mini_vgg19_legacy.pth").toString(), "--out", cache.toString());
        assertThat(convert.code()).as(convert.err()).isZero();
        Path out = dir.resolve("f");
        assertThat(run("features", "--weights", cache.toString(), "--image", MINI.resolve("image.png").toString(), "--layers", "relu4_2",
                "--size", "50", "--out", out.toString()).code()).isZero();
        INDArray want = Npy.read(MINI.resolve("features_max/relu4_2.npy"));
        assertThat(Npy.read(out.resolve("relu4_2.npy")).sub(want).amaxNumber().doubleValue()).isLessThan(1e-5 * want.amaxNumber().doubleValue());
        Path corrupt = Files.write(dir.resolve("vgg19-dcbb9e9d.pth"), new byte[] {1, 2, 3});
        Result bad = run("weights", "verify", corrupt.toString());
        assertThat(bad.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(bad.err()).contains("corrupt or incomplete");
    }

    @Test
    void fetchWhenOfflineSaysWhereToPutTheFile() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Result r = run("weights", "fetch", "--dir", dir.toString(), "--url", "http://127.0.0.1:" + closedPort + "/vgg19.pth");
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("cannot download").contains("put it at " + dir.toAbsolutePath().resolve("vgg19-dcbb9e9d.pth"));
        assertThat(dir.resolve("vgg19-dcbb9e9d.pth")).doesNotExist();
    }
}
