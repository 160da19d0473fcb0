package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsReader;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.tensor.Finite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train}, {@code apply} and {@code weights} on every hostile input of {@link HostileFeedForwardFiles}: each ends
 * with the contract's exit code (2 usage, 3 bad input, 4 diverged; 0 where a bad picture is only skipped), one
 * sentence naming the file, no stack trace, within a time limit (a FIFO must not hang), with no file left behind or
 * overwritten and no model holding NaN or infinity.
 */
class HostileFeedForwardTest {
    @TempDir
    static Path dir;

    static HostileFeedForwardFiles files;

    @BeforeAll
    static void generate() throws IOException {
        files = new HostileFeedForwardFiles(dir);
    }

    /** One command on one hostile input: what it must exit with, what its message must name, what must exist after. */
    record Case(String name, int code, String mustSay, List<String> args, List<Path> mustNotExist) {}

    private static List<String> train(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--style", files.style.toString(), "--images", files.pictures.toString(),
                "--weights", ModelFixtures.MINI_VGG16.toString(), "--image-size", "32", "--batch-size", "2", "--out", dir.resolve(out).toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static List<String> apply(String model, String content, String out, String... more) {
        List<String> a = new ArrayList<>(List.of("apply", "--model", model, "--content", content, "--out", out));
        a.addAll(List.of(more));
        return a;
    }

    private static Path at(String name) {
        return dir.resolve(name);
    }

    static List<Case> cases() {
        String good = files.goodModel.toString(), picture = files.pictures.resolve("p0.png").toString();
        return List.of(
                // train: numbers that are not finite
                new Case("train --lr 1e20 stops at the first non-finite update", ExitCode.DIVERGED, "diverged",
                        train("lr.safetensors", "--steps", "4", "--lr", "1e20", "--init-model", HostileFeedForwardFiles.NARROW.toString()), List.of()),
                new Case("train from a NaN --init-model", ExitCode.DIVERGED, files.nanModel.toString(),
                        train("nan-init.safetensors", "--steps", "2", "--init-model", files.nanModel.toString()), List.of(at("nan-init.safetensors"))),
                new Case("train --style-weight 1e40 claims no file", ExitCode.DIVERGED, "no network was written",
                        train("sw40.safetensors", "--steps", "2", "--style-weight", "1e40"), List.of(at("sw40.safetensors"))),
                // train: sizes beyond memory, refused before any work
                new Case("train --image-size 30000", ExitCode.USAGE, "--image-size", train("big.safetensors", "--steps", "1", "--image-size", "30000"),
                        List.of(at("big.safetensors"))),
                new Case("train --batch-size 100000", ExitCode.USAGE, "--batch-size", train("big.safetensors", "--steps", "1", "--batch-size", "100000"),
                        List.of(at("big.safetensors"))),
                new Case("train --style-size 100000", ExitCode.USAGE, "--style-size", train("big.safetensors", "--steps", "1", "--style-size", "100000"),
                        List.of(at("big.safetensors"))),
                new Case("train --max-pixels 0", ExitCode.USAGE, "--max-pixels", train("big.safetensors", "--steps", "1", "--max-pixels", "0"),
                        List.of(at("big.safetensors"))),
                // train: pictures the networks cannot take are skipped with their reason; the run goes on
                new Case("train skips a 1x400000 picture", ExitCode.OK, files.mixed.resolve("thin.png") + ": 1x400000 px is too elongated",
                        List.of("train", "--style", files.style.toString(), "--images", files.mixed.toString(), "--weights",
                                ModelFixtures.MINI_VGG16.toString(), "--image-size", "32", "--batch-size", "1", "--steps", "4",
                                "--init-model", HostileFeedForwardFiles.NARROW.toString(), "--out", at("odd.safetensors").toString()), List.of()),
                // train: files
                new Case("train --init-model FIFO", ExitCode.BAD_INPUT, files.fifo.toString(),
                        train("fifo.safetensors", "--steps", "1", "--init-model", files.fifo.toString()), List.of(at("fifo.safetensors"))),
                new Case("train --init-model a folder", ExitCode.BAD_INPUT, "is a directory",
                        train("dir.safetensors", "--steps", "1", "--init-model", files.pictures.toString()), List.of(at("dir.safetensors"))),
                new Case("train --out the --init-model", ExitCode.USAGE, "would overwrite",
                        train("good.safetensors", "--steps", "1", "--init-model", good), List.of()),
                new Case("train --log-json /dev/full keeps training", ExitCode.OK, "/dev/full",
                        train("full.safetensors", "--steps", "2", "--init-model", HostileFeedForwardFiles.NARROW.toString(), "--log-json", "/dev/full"), List.of()),
                // apply: models
                new Case("apply a NaN model", ExitCode.BAD_INPUT, files.nanModel.toString(), apply(files.nanModel.toString(), picture, at("a1.png").toString()),
                        List.of(at("a1.png"))),
                new Case("apply an infinite model", ExitCode.BAD_INPUT, "in2.bias", apply(files.infModel.toString(), picture, at("a2.png").toString()),
                        List.of(at("a2.png"))),
                new Case("apply a model without channels", ExitCode.BAD_INPUT, files.zeroWidthModel.toString(),
                        apply(files.zeroWidthModel.toString(), picture, at("a3.png").toString()), List.of(at("a3.png"))),
                new Case("apply --model FIFO", ExitCode.BAD_INPUT, files.fifo.toString(), apply(files.fifo.toString(), picture, at("a4.png").toString()),
                        List.of(at("a4.png"))),
                new Case("apply --model a folder", ExitCode.BAD_INPUT, "is a directory", apply(files.pictures.toString(), picture, at("a5.png").toString()),
                        List.of(at("a5.png"))),
                new Case("apply --model /dev/zero", ExitCode.BAD_INPUT, "not a regular file", apply("/dev/zero", picture, at("a6.png").toString()),
                        List.of(at("a6.png"))),
                // apply: pictures and sizes
                new Case("apply a folder onto itself", ExitCode.USAGE, "would overwrite", apply(good, files.pictures.toString(), files.pictures.toString()),
                        List.of()),
                new Case("apply a picture onto itself", ExitCode.USAGE, "would overwrite", apply(good, picture, picture), List.of()),
                new Case("apply --size 0", ExitCode.USAGE, "--size", apply(good, picture, at("a7.png").toString(), "--size", "0"), List.of(at("a7.png"))),
                new Case("apply --size 100000", ExitCode.USAGE, "--size 100000", apply(good, picture, at("a8.png").toString(), "--size", "100000"),
                        List.of(at("a8.png"))),
                new Case("apply --max-pixels 0", ExitCode.USAGE, "--max-pixels", apply(good, picture, at("a9.png").toString(), "--max-pixels", "0"),
                        List.of(at("a9.png"))),
                new Case("apply --max-pixels -1", ExitCode.USAGE, "--max-pixels", apply(good, picture, at("a9.png").toString(), "--max-pixels", "-1"),
                        List.of(at("a9.png"))),
                new Case("apply a 1x1 picture", ExitCode.BAD_INPUT, files.tiny.toString(), apply(good, files.tiny.toString(), at("a10.png").toString()),
                        List.of(at("a10.png"))),
                new Case("apply a 20000x1 picture", ExitCode.BAD_INPUT, files.strip.toString(), apply(good, files.strip.toString(), at("a11.png").toString()),
                        List.of(at("a11.png"))),
                new Case("apply a FIFO picture", ExitCode.BAD_INPUT, files.fifo.toString(), apply(good, files.fifo.toString(), at("a12.png").toString()),
                        List.of(at("a12.png"))),
                new Case("apply --out an existing folder", ExitCode.BAD_INPUT, "is a folder", apply(good, picture, files.thin.getParent().toString()),
                        List.of()),
                new Case("apply a folder with pictures it cannot take", ExitCode.BAD_INPUT, files.tiny.toString(),
                        apply(good, files.thin.getParent().toString(), at("odd-out").toString()), List.of()),
                new Case("apply a 244-character name", ExitCode.OK, "1 of 1 pictures written",
                        apply(good, files.longName.getParent().toString(), at("long-out").toString()), List.of()),
                new Case("run --max-pixels 0", ExitCode.USAGE, "--max-pixels", List.of("run", "--max-pixels", "0"), List.of()),
                // weights
                new Case("weights verify /dev/zero", ExitCode.BAD_INPUT, "not a regular file", List.of("weights", "verify", "/dev/zero"), List.of()),
                new Case("weights verify FIFO", ExitCode.BAD_INPUT, files.fifo.toString(), List.of("weights", "verify", files.fifo.toString()), List.of()),
                new Case("weights verify a folder", ExitCode.BAD_INPUT, "is a directory", List.of("weights", "verify", files.pictures.toString()), List.of()),
                new Case("weights convert onto its source", ExitCode.USAGE, "would overwrite",
                        List.of("weights", "convert", "--weights", files.goodModel.toString(), "--out", files.goodModel.toString()), List.of()));
    }

    @TestFactory
    Stream<DynamicTest> everyHostileInputEndsAsTheContractSays() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static void check(Case c) throws IOException {
        if (c.args().contains(files.fifo.toString())) assumeTrue(files.hasFifo(), "mkfifo is not available here");
        Map<Path, String> before = files.snapshot();
        StylegradCliTest.Result r = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(120), () -> run(c.args().toArray(String[]::new)),
                c.name() + " did not finish in 120 s (a read that blocks?)");
        String err = r.err();
        assertThat(r.code()).as("%s: exit code; stderr:%n%s", c.name(), err).isEqualTo(c.code());
        assertThat(err).as(c.name()).contains(c.mustSay()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("internal error");
        for (Path p : c.mustNotExist()) assertThat(p).as("%s: nothing written", c.name()).doesNotExist();
        Map<Path, String> after = files.snapshot();
        before.forEach((file, hash) -> assertThat(after.get(file)).as("%s: %s kept as it was", c.name(), file).isEqualTo(hash));
        for (Path file : after.keySet()) {
            assertThat(file.getFileName().toString()).as("%s: no temporary left", c.name()).doesNotEndWith(".tmp");
            if (!before.containsKey(file) && file.toString().endsWith(".safetensors")) assertFinite(dir.resolve(file));
        }
    }

    /** A model a command wrote holds only finite numbers. */
    private static void assertFinite(Path model) throws IOException {
        try (WeightsReader reader = WeightsFiles.open(model)) {
            for (TensorInfo t : reader.tensors()) assertThat(Finite.countNonFinite(reader.read(t.name()))).as("%s in %s", t.name(), model).isZero();
        }
    }
}
