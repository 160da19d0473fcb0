package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.cli.ExitCode;
import dev.stylegrad.cli.StylegradCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stylegrad spark-apply} in local mode: found by the CLI when the module is present, summary, exit codes. */
class SparkApplyCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true));
            return new Result(StylegradCli.execute(args), err.toString());
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void stylizesAFolderReportsFailuresAndSaysSo() throws Exception {
        Path input = dir.resolve("in"), output = dir.resolve("out");
        PictureFolder.write(input, 4, 1);
        Result r = run("spark-apply", "--model", BatchStylizeLocalTest.MODEL.toString(), "--input", input.toString(), "--output", output.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT); // one broken file
        assertThat(r.err()).contains("4 written, 0 skipped (already there), 1 failed").contains("failed file:").contains("broken-1.png")
                .contains("5/5 pictures").doesNotContain("\tat ");
        assertThat(Files.readAllLines(output.resolve(BatchStylize.REPORT))).hasSize(5);
        Result missing = run("spark-apply", "--model", dir.resolve("none.safetensors").toString(), "--input", input.toString(), "--output",
                dir.resolve("o2").toString());
        assertThat(missing.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(missing.err()).contains("none.safetensors: no such model file");
        Result inside = run("spark-apply", "--model", BatchStylizeLocalTest.MODEL.toString(), "--input", input.toString(), "--output",
                input.resolve("styled").toString());
        assertThat(inside.code()).isEqualTo(ExitCode.USAGE);
        assertThat(inside.err()).contains("is inside --input");
        Result tiny = run("spark-apply", "--model", BatchStylizeLocalTest.MODEL.toString(), "--input", input.toString(), "--output",
                dir.resolve("o3").toString(), "--size", "8");
        assertThat(tiny.code()).isEqualTo(ExitCode.USAGE);
        assertThat(tiny.err()).contains("--size must be at least 16 pixels, got 8").doesNotContain("\tat ");
        assertThat(dir.resolve("o3")).doesNotExist();
    }
}
