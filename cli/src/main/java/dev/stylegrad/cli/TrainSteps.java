package dev.stylegrad.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.style.feedforward.FeedForwardTraining;
import dev.stylegrad.style.feedforward.Trainer;
import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What {@code train} does after each step: log it, show progress and the time left, and save the network when due. */
final class TrainSteps implements FeedForwardTraining.Listener {
    private final long totalSteps;
    private final int saveEvery;
    private final Path out;
    private JobConsole console;

    TrainSteps(long totalSteps, int saveEvery, Path out) {
        this.totalSteps = totalSteps;
        this.saveEvery = saveEvery;
        this.out = out;
    }

    void start(JobConsole console) {
        this.console = console;
    }

    @Override
    public void onResume(List<FeedForwardTraining.LoggedStep> earlier) {
        // The checkpoint's steps first, so the log reads as one uninterrupted run's.
        for (int i = 0; i < earlier.size(); i++) console.log(line(i, earlier.get(i).losses(), earlier.get(i).seconds()));
    }

    @Override
    public void onStep(FeedForwardTraining.Step step) {
        Trainer.Losses l = step.losses();
        console.log(line(step.index(), l, step.seconds()));
        double perStep = console.secondsPerStep(0, step.seconds());
        double eta = Math.max(0, totalSteps - step.index() - 1) * perStep;
        console.progress(step.index() + 1, eta, String.format(Locale.ROOT, "loss %.3g (c %.3g s %.3g) %.2fs/step", l.total(), l.content(), l.style(), perStep),
                String.format(Locale.ROOT, "total %.4g  content %.4g  style %.4g  epoch %d  %.2f s/step", l.total(), l.content(), l.style(),
                        step.position().epoch() + 1, perStep));
        if (saveEvery > 0 && (step.index() + 1) % saveEvery == 0) {
            try {
                step.network().save(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The logged steps as the loss plot draws them. */
    static List<Objective.Evaluation> evaluations(List<FeedForwardTraining.LoggedStep> log) {
        return log.stream().map(s -> new Objective.Evaluation(s.losses().content(), s.losses().style(), 0, s.losses().total())).toList();
    }

    private ObjectNode line(long index, Trainer.Losses l, double seconds) {
        ObjectNode n = console.line();
        n.put("step", index);
        n.put("content", l.content());
        n.put("style", l.style());
        n.put("total", l.total());
        n.put("seconds", seconds);
        return n;
    }
}
