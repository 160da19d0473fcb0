package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stylegrad.style.MemoryCheck;
import dev.stylegrad.style.checkpoint.Checkpoint;
import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.ExactArrays;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --scales A,B --steps X,Y} and {@code --lbfgs-history} through the CLI on the mini VGG19 (32 then 48 px):
 * the log's scale key, progress, output size, the plot, resuming anywhere (in a scale and at a boundary) to the
 * uninterrupted result, and the refusals (exit 2 for the command line, 3 for memory).
 */
class RunCommandScalesTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        Backend.setThreads(Runtime.getRuntime().availableProcessors());
        System.clearProperty(MemoryCheck.AVAILABLE_PROPERTY);
        RunCommand.observer = Pause.NONE;
    }

    /** The course images without --size (each test says --size or --scales). */
    static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--weights", RunCommandTest.WEIGHTS, "--content", RunCommandTest.COURSE.resolve("content.png").toString(),
                "--style", RunCommandTest.COURSE.resolve("style.png").toString(), "--lr", "0.05"));
        a.addAll(List.of(extra));
        return a;
    }

    static StylegradCliTest.Result runWith(String... extra) {
        return StylegradCliTest.run(args(extra).toArray(new String[0]));
    }

    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> log(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(file)) lines.add(JSON.readTree(l));
        return lines;
    }

    @Test
    void twoScalesLogTheScaleOfEveryStepSaveAtTheScalesSizeAndPlotTheBoundary() throws Exception {
        Path out = dir.resolve("out.png"), log = dir.resolve("log.jsonl"), plot = dir.resolve("loss.png");
        StylegradCliTest.Result r = runWith("--scales", "32,48", "--steps", "3,2", "--save-every", "2", "--out", out.toString(),
                "--log-json", log.toString(), "--plot", plot.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> lines = log(log);
        assertThat(lines).extracting(n -> n.get("step").asInt()).containsExactly(0, 1, 2, 3, 4);
        assertThat(lines).extracting(n -> n.get("scale").asInt()).containsExactly(32, 32, 32, 48, 48);
        assertThat(r.err()).contains("style: 1 / 5  scale 1/2 (32 px)  total").contains("style: 4 / 5  scale 2/2 (48 px)  total")
                .contains("saved the image after step 2").contains("saved the image after step 4").contains("done: 5 step(s)");
        assertThat(ImageFiles.read(out, 10_000).width()).isEqualTo(48);
        assertThat(ImageFiles.read(out, 10_000).height()).isEqualTo(34);
        assertThat(javax.imageio.ImageIO.read(plot.toFile()).getWidth()).isEqualTo(800);
        assertThat(LossPlotTest.boundaryColumns(plot)).as("one scale boundary in the plot").hasSize(1);

        // --save-every counts global steps and writes the image at the current scale's size: after step 2, 32 px.
        Path paused = dir.resolve("paused.png");
        StylegradCliTest.Result p = runPaused(3, () -> assertThat(ImageFiles.read(paused, 10_000).width()).as("saved after step 2").isEqualTo(32),
                "--scales", "32,48", "--steps", "3,2", "--save-every", "2", "--out", paused.toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(Files.readAllBytes(paused)).isEqualTo(Files.readAllBytes(out));

        // One scale logs its scale too (one format for every run).
        Path single = dir.resolve("single.jsonl");
        assertThat(runWith("--size", "32", "--steps", "1", "--out", dir.resolve("s.png").toString(), "--log-json", single.toString()).code()).isZero();
        assertThat(Files.readString(single)).contains(",\"scale\":32}");
    }

    /** Runs the CLI in this JVM on another thread, paused after step {@code step} while {@code whilePaused} runs. */
    private StylegradCliTest.Result runPaused(int step, PausedRun.Check whilePaused, String... extra) throws Exception {
        return PausedRun.run(dir.resolve("paused"), step, whilePaused, () -> runWith(extra));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * A run paused after step {@code pauseAfter} with checkpoints every {@code every} steps; what is on disk then (the
     * checkpoint, the log, the output) is what a SIGKILL there would leave. It is copied, the run finishes (the
     * uninterrupted run), and the copy is resumed: both must end bit-identical.
     */
    private void killedAtAndResumed(int pauseAfter, int every, int checkpointAt, int checkpointScale) throws Exception {
        String[] schedule = {"--scales", "32,48", "--steps", "4,3"};
        Path out = dir.resolve("straight.png"), ckpt = dir.resolve("straight"), log = dir.resolve("straight.jsonl");
        Path kOut = dir.resolve("k.png"), kCkpt = dir.resolve("k"), kLog = dir.resolve("k.jsonl");
        List<String> a = new ArrayList<>(List.of(schedule));
        a.addAll(List.of("--checkpoint", ckpt.toString(), "--checkpoint-every", Integer.toString(every), "--out", out.toString(), "--log-json", log.toString()));
        StylegradCliTest.Result straight = runPaused(pauseAfter, () -> {
            copyTree(ckpt, kCkpt);
            Files.copy(log, kLog);
            if (Files.exists(out)) Files.copy(out, kOut);
        }, a.toArray(new String[0]));
        assertThat(straight.code()).as(straight.err()).isZero();
        Checkpoint left = CheckpointStore.read(kCkpt);
        assertThat(left.completedSteps()).as("the checkpoint a kill after step %d leaves", pauseAfter).isEqualTo(checkpointAt);
        assertThat(left.scale()).isEqualTo(checkpointScale);
        assertThat(left.stepsPerScale()).containsExactly(4, 3);
        assertThat(left.image().size(3)).isEqualTo(32);
        assertThat(Files.readAllLines(kLog)).hasSize(pauseAfter);

        List<String> r = new ArrayList<>(List.of(schedule));
        r.addAll(List.of("--resume", kCkpt.toString(), "--out", kOut.toString(), "--log-json", kLog.toString()));
        StylegradCliTest.Result resumed = runWith(r.toArray(new String[0]));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming from " + kCkpt + " after step " + checkpointAt + " of 7 (scale 1/2, 32 px)");

        Checkpoint want = CheckpointStore.read(ckpt), got = CheckpointStore.read(kCkpt);
        assertThat(got.completedSteps()).isEqualTo(7);
        assertThat(got.scale()).isEqualTo(1);
        ExactArrays.assertIdentical("the final float image", got.image(), want.image());
        assertThat(Files.readAllBytes(kOut)).as("output PNG").isEqualTo(Files.readAllBytes(out));
        assertThat(ImageFiles.read(kOut, 10_000).width()).isEqualTo(48);
        assertThat(withoutSeconds(kLog)).isEqualTo(withoutSeconds(log)).hasSize(7);
        assertThat(withoutSeconds(kLog).get(4)).startsWith("{\"step\":4,").endsWith(",\"scale\":48}");
    }

    static List<String> withoutSeconds(Path log) throws IOException {
        return Files.readAllLines(log).stream().map(l -> l.replaceAll(",\"seconds\":[^,}]*", "")).toList();
    }

    @Test
    void killedInTheFirstScaleAndResumedEndsBitIdentical() throws Exception {
        killedAtAndResumed(3, 2, 2, 0); // checkpoint after step 2 of scale 1's 4; step 3 logged, then lost
    }

    @Test
    void killedAtTheScaleBoundaryAndResumedEndsBitIdentical() throws Exception {
        killedAtAndResumed(4, 4, 4, 0); // all of scale 1 done: the resume upscales the checkpoint's 32-px image
    }

    @Test
    void aResumeMustKeepTheStepsOfCompletedScalesAndTheScales() throws Exception {
        Path ckpt = dir.resolve("ckpt"), out = dir.resolve("o.png");
        assertThat(runWith("--scales", "32,48", "--steps", "4,3", "--checkpoint", ckpt.toString(), "--out", dir.resolve("first.png").toString()).code()).isZero();
        assertThat(CheckpointStore.read(ckpt).scale()).isEqualTo(1);

        StylegradCliTest.Result changed = runWith("--scales", "32,48", "--steps", "5,4", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(changed.code()).isEqualTo(ExitCode.USAGE);
        assertThat(changed.err()).contains("--resume " + ckpt + ": the checkpoint's completed steps do not fit the --steps given")
                .contains("--steps of scale 1 (32 px, completed): checkpoint 4, given 5").contains("without --resume");
        StylegradCliTest.Result fewer = runWith("--scales", "32,48", "--steps", "4,2", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(fewer.code()).isEqualTo(ExitCode.USAGE);
        assertThat(fewer.err()).contains("--steps of scale 2 (48 px): the checkpoint has already run 3, given 2");
        StylegradCliTest.Result scales = runWith("--scales", "32,56", "--steps", "4,3", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(scales.code()).isEqualTo(ExitCode.USAGE);
        assertThat(scales.err()).contains("--scales: checkpoint 32,48, given 32,56");
        StylegradCliTest.Result oneScale = runWith("--size", "48", "--steps", "7", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(oneScale.code()).isEqualTo(ExitCode.USAGE);
        assertThat(oneScale.err()).contains("--scales: checkpoint 32,48, given (not recorded)").contains("--size: checkpoint (not recorded), given 48");
        assertThat(out).doesNotExist();

        // Raising the current (last) scale's steps continues there.
        Path log = dir.resolve("more.jsonl");
        StylegradCliTest.Result more = runWith("--scales", "32,48", "--steps", "4,5", "--resume", ckpt.toString(), "--out", out.toString(), "--log-json", log.toString());
        assertThat(more.code()).as(more.err()).isZero();
        assertThat(log(log)).extracting(n -> n.get("scale").asInt()).containsExactly(32, 32, 32, 32, 48, 48, 48, 48, 48);
        assertThat(CheckpointStore.read(ckpt).completedSteps()).isEqualTo(9);
    }

    /** The schedule a parsed command line runs (its scales' sides and steps), after the defaults are applied. */
    static List<int[]> schedule(String... extra) {
        RunCommand command = new RunCommand();
        new picocli.CommandLine(command).parseArgs(args(extra).subList(1, args(extra).size()).toArray(new String[0]));
        dev.stylegrad.style.Schedule s = command.settings().schedule();
        return List.of(s.sides(), s.steps());
    }

    @Test
    void withNoScaleOrStepCountTheDefaultScheduleRunsAndAnyOfThemKeepsOneScale() {
        assertThat(schedule("--out", "o.png")).containsExactly(new int[] {256, 512}, new int[] {400, 200});
        assertThat(schedule("--size", "512")).containsExactly(new int[] {512}, new int[] {500});
        assertThat(schedule("--steps", "500")).containsExactly(new int[] {512}, new int[] {500});
        assertThat(schedule("--size", "300", "--steps", "20")).containsExactly(new int[] {300}, new int[] {20});
        assertThat(schedule("--scales", "512")).containsExactly(new int[] {512}, new int[] {500});
        assertThat(schedule("--scales", "128,256", "--steps", "5,6")).containsExactly(new int[] {128, 256}, new int[] {5, 6});
    }

    @Test
    void badSchedulesAreUsageErrors() {
        Path out = dir.resolve("o.png");
        StylegradCliTest.Result both = runWith("--size", "32", "--scales", "32,48", "--steps", "1,1", "--out", out.toString());
        assertThat(both.code()).isEqualTo(ExitCode.USAGE);
        assertThat(both.err()).contains("give either --size (one scale) or --scales (several), not both");
        StylegradCliTest.Result counts = runWith("--scales", "32,48,64", "--steps", "5", "--out", out.toString());
        assertThat(counts.code()).isEqualTo(ExitCode.USAGE);
        assertThat(counts.err()).contains("--scales gives 3 scales (32,48,64) but --steps gives 1 count (5): give one --steps count per scale, e.g. --steps 300,150,75");
        StylegradCliTest.Result listWithoutScales = runWith("--size", "32", "--steps", "3,2", "--out", out.toString());
        assertThat(listWithoutScales.code()).isEqualTo(ExitCode.USAGE);
        assertThat(listWithoutScales.err()).contains("--steps gives 2 counts (3,2) but there is one scale");
        StylegradCliTest.Result shrinking = runWith("--scales", "48,32", "--steps", "1,1", "--out", out.toString());
        assertThat(shrinking.code()).isEqualTo(ExitCode.USAGE);
        assertThat(shrinking.err()).contains("--scales must grow from one scale to the next, got 48,32 (32 px after 48 px)");
        StylegradCliTest.Result zero = runWith("--scales", "32,48", "--steps", "2,0", "--out", out.toString());
        assertThat(zero.code()).isEqualTo(ExitCode.USAGE);
        assertThat(zero.err()).contains("scale 2 (48 px) has 0");
        StylegradCliTest.Result history = runWith("--size", "32", "--optimizer", "lbfgs", "--lbfgs-history", "0", "--out", out.toString());
        assertThat(history.code()).isEqualTo(ExitCode.USAGE);
        assertThat(history.err()).contains("--lbfgs-history must be at least 1, got 0");
        assertThat(out).doesNotExist();
        // One value for --scales is --size.
        assertThat(runWith("--scales", "32", "--steps", "1", "--out", out.toString()).code()).isZero();
        assertThat(out).exists();
    }

    @Test
    void anLbfgsHistoryThatCannotFitStopsBeforeAnythingIsWritten() throws Exception {
        Path out = dir.resolve("o.png"), log = dir.resolve("l.jsonl"), ckpt = dir.resolve("ckpt");
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "1000000"); // 56×40 px: 26,880 bytes an array
        StylegradCliTest.Result r = runWith("--size", "56", "--optimizer", "lbfgs", "--steps", "2", "--out", out.toString(), "--log-json", log.toString(),
                "--checkpoint", ckpt.toString());
        assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(r.err()).contains("stylegrad: L-BFGS with --lbfgs-history 100 needs 5.6 MB for its 210 picture-sized arrays at 56x40 px")
                .contains("but only 1.0 MB is available").contains("--lbfgs-history 13 would fit");
        assertThat(r.err().lines().filter(l -> l.startsWith("stylegrad: L-BFGS")).count()).isEqualTo(1);
        assertThat(out).doesNotExist();
        assertThat(log).doesNotExist();
        assertThat(ckpt).doesNotExist();
        // The largest scale is what counts: 32 then 56 px does not fit either; 32 px alone does (1.9 MB in 2 MB).
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "2000000");
        assertThat(runWith("--scales", "32,56", "--steps", "1,1", "--optimizer", "lbfgs", "--out", out.toString()).err()).contains("at 56x40 px");
        assertThat(runWith("--size", "32", "--steps", "1", "--optimizer", "lbfgs", "--out", out.toString()).code()).isZero();

        // The suggested history runs, and it is part of the fingerprint.
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "1000000");
        StylegradCliTest.Result fits = runWith("--size", "56", "--optimizer", "lbfgs", "--lbfgs-history", "13", "--steps", "2", "--out", out.toString(),
                "--checkpoint", ckpt.toString());
        assertThat(fits.code()).as(fits.err()).isZero();
        System.clearProperty(MemoryCheck.AVAILABLE_PROPERTY);
        assertThat(CheckpointStore.read(ckpt).fingerprint().values()).containsEntry("--lbfgs-history", "13");
        StylegradCliTest.Result other = runWith("--size", "56", "--optimizer", "lbfgs", "--steps", "3", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(other.code()).isEqualTo(ExitCode.USAGE);
        assertThat(other.err()).contains("--lbfgs-history: checkpoint 13, given 100");
    }

    /** An L-BFGS checkpoint of version 1 (before --lbfgs-history and scales were recorded) resumes as history 100, one scale. */
    @Test
    void aVersion1LbfgsCheckpointStillResumes() throws Exception {
        Path ckpt = dir.resolve("ckpt"), out = dir.resolve("o.png");
        assertThat(runWith("--size", "32", "--optimizer", "lbfgs", "--steps", "2", "--checkpoint", ckpt.toString(), "--out", out.toString()).code()).isZero();
        Path manifest = ckpt.resolve(Files.readString(ckpt.resolve(CheckpointStore.POINTER)).trim()).resolve(CheckpointStore.MANIFEST);
        String v1 = Files.readString(manifest).replace("\"version\" : 2", "\"version\" : 1").replaceAll("\\s*\"scale\" : 0,", "")
                .replaceAll("(?s)\\s*\"stepsPerScale\" : \\[[^]]*\\],", "").replaceAll("\\s*\"--lbfgs-history\" : \"100\",", "");
        assertThat(v1).doesNotContain("\"scale\"").doesNotContain("stepsPerScale").doesNotContain("lbfgs-history");
        Files.writeString(manifest, v1);
        StylegradCliTest.Result r = runWith("--size", "32", "--optimizer", "lbfgs", "--steps", "3", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("resuming from " + ckpt + " after step 2 of 3");
        StylegradCliTest.Result lowered = runWith("--size", "32", "--optimizer", "lbfgs", "--steps", "2", "--resume", ckpt.toString(), "--out", out.toString());
        assertThat(lowered.code()).isEqualTo(ExitCode.USAGE);
        assertThat(lowered.err()).contains("--steps of scale 1: the checkpoint has already run 3, given 2");
    }
}
