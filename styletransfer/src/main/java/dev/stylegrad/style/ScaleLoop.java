package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.style.optim.Optimizer;
import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One run of a {@link StyleTransfer}: the steps of every scale in order, from the first scale (or a checkpoint's), each
 * scale on its own objective with a fresh optimizer, the next one starting from the previous one's image upscaled.
 * Keeps the image before each step, so a step whose losses are not finite leaves the last finite image. Runs on one
 * thread; {@link #snapshot} is read from that thread (a step listener) or after the run.
 */
final class ScaleLoop {
    /** The scope StyleObjective's steps take their memory from; destroyed between scales (its buffers have the old size). */
    private static final String STEP_SCOPE = "style-step";

    private final StyleTransfer transfer;
    private final Vgg net;
    private final Schedule schedule;
    private final int[] ends;
    private final StepListener listener;
    private final Map<String, Object> resumeState;
    private int step;
    private int scale;
    private RgbImage content;
    private Objective objective;
    private INDArray x, lastFinite, beforeStep;
    private Optimizer optimizer;
    private long evaluationsBefore; // of the scales this run finished
    // The steps x and the optimizer's state have completed; -1 while they are no consistent state to snapshot (after a
    // divergence, or while the scale changes).
    private int completed = -1;

    ScaleLoop(StyleTransfer transfer, Vgg net, int startStep, INDArray resumeImage, Map<String, Object> resumeState, StepListener listener) {
        this.transfer = transfer;
        this.net = net;
        this.schedule = transfer.settings().schedule();
        this.ends = schedule.ends();
        this.listener = listener;
        this.resumeState = resumeState;
        this.step = startStep;
        this.scale = resumeImage == null ? 0 : resumedScale(startStep, resumeImage.shape());
    }

    int scale() {
        return scale;
    }

    StyleTransfer.Result run() {
        long start = System.nanoTime();
        int total = ends[ends.length - 1];
        content = transfer.workingContent(scale);
        objective = transfer.objective(net, scale);
        RgbImage first = content;
        begin(MemoryScope.outside(() -> transfer.initialImage(first)));
        if (resumeState != null) optimizer.restore(resumeState);
        List<Objective.Evaluation> history = new ArrayList<>();
        StyleTransfer.StopReason reason = StyleTransfer.StopReason.COMPLETED;
        for (; step < total; step++) {
            if (transfer.cancelled()) {
                reason = StyleTransfer.StopReason.CANCELLED;
                break;
            }
            if (step == ends[scale]) { // this scale is done: on to the next
                if (x.isNaN().any()) break; // NaN pixels are not carried into the next scale (see below)
                nextScale();
            }
            long t0 = System.nanoTime();
            beforeStep.assign(x);
            Objective.Evaluation e = optimizer.step(x, objective);
            history.add(e);
            if (!e.isFinite()) {
                completed = -1; // x goes back a step but the optimizer does not: no consistent state any more
                x.assign(lastFinite);
                reason = StyleTransfer.StopReason.DIVERGED;
                break;
            }
            // The image this step started from had finite losses: it is the newest safe image.
            INDArray swap = lastFinite;
            lastFinite = beforeStep;
            beforeStep = swap;
            completed = step + 1;
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (listener != null) {
                INDArray shown = x;
                RgbImage at = content;
                listener.onStep(new Step(step, total, scale, at.maxSide(), e, seconds, evaluationsBefore + optimizer.evaluations(),
                        () -> transfer.render(shown, at)));
            }
            if ((step + 1) % UnscopedMemory.COLLECT_EVERY_STEPS == 0) UnscopedMemory.collect();
            // Convergence ends the run in its last scale. In an earlier scale the scale's remaining steps pass without
            // moving (a converged optimizer's step only reports the losses where it stopped, at no cost), so every
            // step index stays at the scale the schedule gives it, which log lines and resumes rely on.
            if (optimizer.converged() && scale == ends.length - 1) {
                step++;
                reason = StyleTransfer.StopReason.CONVERGED;
                break;
            }
        }
        if (reason != StyleTransfer.StopReason.DIVERGED && x.isNaN().any()) { // a last update that produced NaN pixels
            completed = -1;
            x.assign(lastFinite);
            reason = StyleTransfer.StopReason.DIVERGED;
        }
        return new StyleTransfer.Result(transfer.render(x, content), x, history, reason, step, evaluationsBefore + optimizer.evaluations(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Starts the current scale's steps from image {@code start} with a fresh optimizer. */
    private void begin(INDArray start) {
        x = start;
        lastFinite = MemoryScope.outside(x::dup);
        beforeStep = MemoryScope.outside(x::dup);
        optimizer = transfer.settings().newOptimizer();
        completed = step;
    }

    /**
     * Frees this scale's picture-sized arrays (the image, its two copies, the optimizer's state and the step scopes'
     * pooled buffers) before the next scale, a few times larger, allocates its own; the next scale starts from this
     * one's final float image resized, with its own objective and a fresh optimizer (the state has this scale's shape).
     * The float image, not the rendered 8-bit one, whose rounding would discard what the optimizer found below one
     * pixel level; it is also exactly what a checkpoint keeps, so a run resumed at this boundary upscales the same values.
     */
    private void nextScale() {
        int fromW = (int) x.size(3), fromH = (int) x.size(2);
        float[] finalImage = (x.isView() || x.ordering() != 'c' ? x.dup('c') : x).data().asFloat(); // on the heap
        evaluationsBefore += optimizer.evaluations();
        completed = -1;
        optimizer.close();
        x.close();
        lastFinite.close();
        beforeStep.close();
        objective = null; // its targets go with the collection objective() starts with
        MemoryScope.destroy(STEP_SCOPE);
        MemoryScope.destroy(TiledStyleObjective.SCOPE);
        scale++;
        content = transfer.workingContent(scale);
        objective = transfer.objective(net, scale);
        RgbImage next = content;
        begin(MemoryScope.outside(() -> upscaled(finalImage, fromW, fromH, next.width(), next.height())));
    }

    /** A copy of the state after the last completed step, if there is a consistent one. */
    Optional<StyleTransfer.Snapshot> snapshot() {
        if (completed < 0) return Optional.empty();
        INDArray image = MemoryScope.outside(x::dup);
        return Optional.of(new StyleTransfer.Snapshot(completed, scale, image, optimizer.state()));
    }

    /**
     * The scale a run resumed after {@code completed} steps continues at: the scale of the last completed step (the
     * first scale after none), whose working size the checkpoint's image must have. After a scale's last step, an image
     * of the next scale's size is a snapshot taken once that scale had begun, before its first step.
     */
    private int resumedScale(int completed, long[] shape) {
        int last = ends.length - 1, k = 0;
        while (k < last && ends[k] < completed) k++;
        if (Arrays.equals(shape, imageShape(k))) return k;
        if (k < last && completed == ends[k] && Arrays.equals(shape, imageShape(k + 1))) return k + 1;
        String where = last == 0 ? "this run works at " + Arrays.toString(imageShape(k))
                : String.format(Locale.ROOT, "after %d steps this run is at scale %d of %d (%d px), which works at %s", completed, k + 1, last + 1,
                        transfer.workingContent(k).maxSide(), Arrays.toString(imageShape(k)));
        throw new IllegalArgumentException("the resumed image has shape " + Arrays.toString(shape) + " but " + where
                + (last == 0 ? " (another size or content image?)" : " (other scales, another content image, or other steps for an earlier scale?)"));
    }

    private long[] imageShape(int k) {
        RgbImage c = transfer.workingContent(k);
        return new long[] {1, 3, c.height(), c.width()};
    }

    /** A [1, 3, toH, toW] float32 image resized from {@code planes} (three fromW×fromH channels, one after the other). */
    private static INDArray upscaled(float[] planes, int fromW, int fromH, int toW, int toH) {
        int n = fromW * fromH, m = toW * toH;
        float[] out = new float[3 * m];
        for (int c = 0; c < 3; c++) {
            float[] plane = Arrays.copyOfRange(planes, c * n, (c + 1) * n);
            System.arraycopy(Resampler.resizePlane(plane, fromW, fromH, toW, toH), 0, out, c * m, m);
        }
        return Nd4j.create(out, new long[] {1, 3, toH, toW}, 'c');
    }
}
