package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.checkpoint.CheckpointStore;
import dev.stylegrad.style.image.ImageFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Issue 6's "done when": a real process killed mid-run (SIGKILL: no hook, no chance to save) or interrupted (SIGINT)
 * and resumed from its checkpoint in another process ends exactly where an uninterrupted run ends: the same output
 * PNG bytes, the same float image, the same log lines (except their wall times).
 */
class RunCommandKillResumeTest {
    @TempDir
    Path dir;

    /** A child JVM running the CLI; with {@code pauseAfter} > 0 it pauses after that step until {@code pauseFile} is gone or Ctrl-C. */
    static Process start(Path dir, String name, List<String> runArgs, int pauseAfter, Path pauseFile) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        if (pauseAfter > 0) cmd.addAll(List.of(Pause.PausingCli.class.getName(), Integer.toString(pauseAfter), pauseFile.toString()));
        else cmd.add(StylegradCli.class.getName());
        cmd.addAll(runArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".txt").toFile()).start();
    }

    private Process start(String name, List<String> runArgs) throws IOException {
        return start(dir, name, runArgs, 0, null);
    }

    /**
     * Waits until the child has paused (created {@code pauseFile}); the child waits for the test, so nothing here races
     * the run's clock. Fails if the child ends instead.
     */
    static void awaitPause(Process p, Path pauseFile, Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(pauseFile) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(Files.exists(pauseFile)).as("the run must pause at the step asked for: %s", Files.readString(output)).isTrue();
        assertThat(p.isAlive()).isTrue();
    }

    private String output(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".txt"));
    }

    /** The step of the checkpoint CURRENT points at, or -1. */
    private static int checkpointStep(Path ckpt) {
        try {
            String name = Files.readString(ckpt.resolve(CheckpointStore.POINTER)).trim();
            return Integer.parseInt(name.substring(5, 13));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int lines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The uninterrupted run, in this JVM. */
    private void straight(List<String> runArgs, Path out, Path ckpt, Path log) {
        List<String> a = new ArrayList<>(runArgs);
        a.addAll(List.of("--checkpoint", ckpt.toString(), "--out", out.toString(), "--log-json", log.toString()));
        StylegradCliTest.Result r = StylegradCliTest.run(a.toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isZero();
    }

    /**
     * Starts a run, SIGKILLs it while it is paused after step {@code killAfter} (with the last checkpoint at step
     * {@code checkpointAt} < killAfter, so there is logged work to lose), resumes it in a new process.
     */
    private void killAndResume(List<String> runArgs, int checkpointAt, int killAfter) throws Exception {
        Path out = dir.resolve("straight.png"), ckpt = dir.resolve("straight"), log = dir.resolve("straight.jsonl");
        straight(runArgs, out, ckpt, log);

        Path kOut = dir.resolve("k.png"), kCkpt = dir.resolve("k"), kLog = dir.resolve("k.jsonl");
        List<String> a = new ArrayList<>(runArgs);
        a.addAll(List.of("--checkpoint", kCkpt.toString(), "--out", kOut.toString(), "--log-json", kLog.toString()));
        Path pause = dir.resolve("paused");
        Process p = start(dir, "killed", a, killAfter, pause);
        try {
            awaitPause(p, pause, dir.resolve("killed.txt"));
            assertThat(checkpointStep(kCkpt)).as("the checkpoint when killed").isEqualTo(checkpointAt);
            assertThat(lines(kLog)).as("steps logged when killed").isEqualTo(killAfter);
            p.destroyForcibly(); // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        int resumedAt = checkpointStep(kCkpt);
        System.out.printf("SIGKILL: killed after %d logged steps; resuming from the checkpoint after step %d%n", lines(kLog), resumedAt);
        assertThat(resumedAt).isEqualTo(checkpointAt);

        List<String> r = new ArrayList<>(runArgs);
        r.addAll(List.of("--resume", kCkpt.toString(), "--out", kOut.toString(), "--log-json", kLog.toString()));
        Process resumed = start("resumed", r);
        assertThat(resumed.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(resumed.exitValue()).as(output("resumed")).isZero();
        assertThat(output("resumed")).contains("resuming from " + kCkpt + " after step " + resumedAt);

        assertSameResult(out, ckpt, log, kOut, kCkpt, kLog);
    }

    @Test
    void adamKilledWithSigkillAndResumedEndsBitIdentical() throws Exception {
        killAndResume(RunCommandCheckpointTest.args("--steps", "24", "--checkpoint-every", "4"), 8, 10);
    }

    @Test
    void lbfgsKilledWithSigkillAndResumedEndsBitIdentical() throws Exception {
        killAndResume(RunCommandCheckpointTest.args("--steps", "15", "--optimizer", "lbfgs", "--checkpoint-every", "3"), 6, 8);
    }

    /** Ctrl-C with --checkpoint: the hook's save includes a checkpoint of the last completed step. */
    @Test
    void sigintWritesACheckpointThatResumesToTheUninterruptedResult() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill");
        org.junit.jupiter.api.Assumptions.assumeFalse(Signals.sigintIgnored(), "SIGINT is ignored in this process (a background job?); its children would ignore Ctrl-C too");
        List<String> runArgs = RunCommandCheckpointTest.args("--steps", "24", "--checkpoint-every", "0");
        Path out = dir.resolve("straight.png"), ckpt = dir.resolve("straight"), log = dir.resolve("straight.jsonl");
        straight(runArgs, out, ckpt, log);

        Path iOut = dir.resolve("i.png"), iCkpt = dir.resolve("i"), iLog = dir.resolve("i.jsonl");
        List<String> a = new ArrayList<>(runArgs);
        a.addAll(List.of("--checkpoint", iCkpt.toString(), "--out", iOut.toString(), "--log-json", iLog.toString()));
        Path pause = dir.resolve("paused");
        // The run pauses after step 5 and gets SIGINT there: Ctrl-C ends the pause, the run stops before step 6.
        Process p = start(dir, "interrupted", a, 5, pause);
        try {
            awaitPause(p, pause, dir.resolve("interrupted.txt"));
            assertThat(lines(iLog)).isEqualTo(5);
            assertThat(CheckpointStore.exists(iCkpt)).as("--checkpoint-every 0: nothing before the end or Ctrl-C").isFalse();
            new ProcessBuilder("/bin/kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(output("interrupted")).isEqualTo(ExitCode.INTERRUPTED);
        int at = checkpointStep(iCkpt);
        System.out.printf("SIGINT: checkpoint after step %d of 24%n", at);
        assertThat(at).isEqualTo(5);
        assertThat(lines(iLog)).isEqualTo(5); // the log and the checkpoint end at the same step
        assertThat(output("interrupted")).contains("checkpoint after step 5");

        List<String> r = new ArrayList<>(runArgs);
        r.addAll(List.of("--resume", iCkpt.toString(), "--out", iOut.toString(), "--log-json", iLog.toString()));
        StylegradCliTest.Result resumed = StylegradCliTest.run(r.toArray(new String[0]));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertSameResult(out, ckpt, log, iOut, iCkpt, iLog);
    }

    /** Same output PNG bytes, same final float image (max relative difference printed), same log but for wall times. */
    static void assertSameResult(Path wantOut, Path wantCkpt, Path wantLog, Path gotOut, Path gotCkpt, Path gotLog) throws Exception {
        INDArray want = CheckpointStore.read(wantCkpt).image(), got = CheckpointStore.read(gotCkpt).image();
        assertThat(got.shape()).containsExactly(want.shape());
        double maxRel = got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
        System.out.printf("resumed vs uninterrupted: max relative difference of the final image %.3g%n", maxRel);
        assertThat(got.data().asFloat()).as("final image, bit for bit (max rel. diff %.3g)", maxRel).containsExactly(want.data().asFloat());
        assertThat(Files.readAllBytes(gotOut)).as("output PNG").isEqualTo(Files.readAllBytes(wantOut));
        assertThat(ImageFiles.read(gotOut, 100_000).width()).isEqualTo(32);
        assertThat(withoutSeconds(gotLog)).isEqualTo(withoutSeconds(wantLog));
        assertThat(CheckpointStore.read(gotCkpt).completedSteps()).isEqualTo(CheckpointStore.read(wantCkpt).completedSteps());
    }

    private static List<String> withoutSeconds(Path log) throws IOException {
        return Files.readAllLines(log).stream().map(l -> l.replaceAll(",\"seconds\":[^,}]*", "")).toList();
    }
}
