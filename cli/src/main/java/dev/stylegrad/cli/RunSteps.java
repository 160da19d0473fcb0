package dev.stylegrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.style.Schedule;
import dev.stylegrad.style.Step;
import dev.stylegrad.style.StepListener;
import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.checkpoint.Checkpoint;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * What {@code run} does after each step: log it, show progress and the time left, save the image and a checkpoint when
 * due, and keep every step's losses (since step 0, a resumed run's earlier ones included) for checkpoints and the plot.
 */
final class RunSteps implements StepListener {
    private final Schedule schedule;
    private final RgbImage content;
    private final Path output;
    private final int saveEvery, checkpointEvery;
    private final RunCheckpoints checkpoints;
    private final List<Checkpoint.LoggedStep> logged = new ArrayList<>();
    private StyleTransfer transfer;
    private JobConsole console;
    private BooleanSupplier interrupted;

    RunSteps(Schedule schedule, RgbImage content, Path output, int saveEvery, int checkpointEvery, RunCheckpoints checkpoints) {
        this.schedule = schedule;
        this.content = content;
        this.output = output;
        this.saveEvery = saveEvery;
        this.checkpointEvery = checkpointEvery;
        this.checkpoints = checkpoints;
    }

    /**
     * Before the first step: where to report, and for a resumed run the checkpoint's steps, which rewrite the log (lines
     * the stopped run logged after its checkpoint are dropped, then logged again).
     */
    void start(StyleTransfer transfer, JobConsole console, BooleanSupplier interrupted) {
        this.transfer = transfer;
        this.console = console;
        this.interrupted = interrupted;
        if (checkpoints.resumed == null) return;
        for (Checkpoint.LoggedStep l : checkpoints.resumed.losses()) {
            int index = logged.size();
            console.log(line(index, l.losses(), l.seconds(), schedule.side(schedule.scaleOf(index), content.width(), content.height())));
            logged.add(l);
        }
    }

    @Override
    public void onStep(Step step) {
        int done = step.index() + 1;
        logged.add(new Checkpoint.LoggedStep(step.losses(), step.seconds()));
        console.log(line(step.index(), step.losses(), step.seconds(), step.scaleSide()));
        showProgress(step);
        boolean last = done >= schedule.totalSteps();
        if (saveEvery > 0 && done % saveEvery == 0 && !last) {
            try {
                ImageFiles.write(step.image(), output);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            console.say("saved the image after step " + done + " to " + output);
        }
        if (checkpointEvery > 0 && done % checkpointEvery == 0 && !last) checkpoints.save(transfer, logged, !console.live());
        RunCommand.observer.afterStep(done, interrupted);
    }

    List<Checkpoint.LoggedStep> logged() {
        return logged;
    }

    List<Objective.Evaluation> losses() {
        return logged.stream().map(Checkpoint.LoggedStep::losses).toList();
    }

    /** The plot's scale marks: each scale's first step and side (nothing for one scale). */
    List<LossPlot.Scale> plotScales() {
        List<LossPlot.Scale> marks = new ArrayList<>();
        if (schedule.scales() < 2) return marks;
        for (int k = 0; k < schedule.scales(); k++) marks.add(new LossPlot.Scale(schedule.start(k), schedule.side(k) + " px"));
        return marks;
    }

    private void showProgress(Step step) {
        double perStep = console.secondsPerStep(step.scale(), step.seconds());
        double eta = secondsLeft(step.index() + 1, step.scale(), perStep);
        Objective.Evaluation l = step.losses();
        String tv = transfer.settings().tvWeight() > 0 ? String.format(Locale.ROOT, " tv %.3g", l.tv()) : "";
        int n = schedule.scales();
        String at = n > 1 ? String.format(Locale.ROOT, "scale %d/%d (%d px)  ", step.scale() + 1, n, step.scaleSide()) : "";
        console.progress(step.index() + 1, eta,
                String.format(Locale.ROOT, "%sloss %.3g (c %.2g s %.3g%s) %.2fs/step", at, l.total(), l.content(), l.style(), tv, perStep),
                String.format(Locale.ROOT, "%stotal %.4g  content %.4g  style %.4g%s  %.2f s/step", at, l.total(), l.content(), l.style(), tv, perStep));
    }

    /**
     * Seconds the run still needs after {@code done} steps, at {@code perStep} seconds a step at scale {@code scale}:
     * the rest of this scale at that speed, each later scale in proportion to its pixels (a step's cost grows with
     * them), so the estimate is for the whole run from the first step on.
     */
    private double secondsLeft(int done, int scale, double perStep) {
        int[] ends = schedule.ends();
        double left = perStep * Math.max(0, ends[scale] - done);
        double pixels = pixels(scale);
        for (int k = scale + 1; k < ends.length; k++) left += perStep * (ends[k] - ends[k - 1]) * pixels(k) / pixels;
        return left;
    }

    private double pixels(int k) {
        int[] wh = schedule.workingSize(k, content.width(), content.height());
        return (double) wh[0] * wh[1];
    }

    private ObjectNode line(int index, Objective.Evaluation losses, double seconds, int scaleSide) {
        ObjectNode n = console.line();
        n.put("step", index);
        n.put("content", losses.content());
        n.put("style", losses.style());
        n.put("tv", losses.tv());
        n.put("total", losses.total());
        n.put("seconds", seconds);
        n.put("scale", scaleSide); // the longer side of the step's scale, on every line (one scale too: one format)
        return n;
    }
}
