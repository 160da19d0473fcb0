package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.ExactArrays;
import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link StyleTransfer.Builder#scales}: a run at several sizes in one call, on the mini VGG19 and the 56×40 course
 * images. Each scale must continue from the previous one's float image upscaled, with a fresh optimizer and the
 * objective of its own size; runs resumed anywhere (also exactly at a scale boundary) end bit-identical.
 */
class StyleTransferScalesTest {
    static RgbImage content, style;
    static Vgg net;

    @BeforeAll
    static void load() throws IOException {
        content = CourseReference.content();
        style = CourseReference.style();
        net = Vgg.load(CourseReference.MINI_WEIGHTS, "pool5", Vgg.Pooling.MAX);
    }

    @AfterEach
    void clearMemoryOverride() {
        System.clearProperty(MemoryCheck.AVAILABLE_PROPERTY);
    }

    static StyleTransfer.Builder base() {
        return StyleTransfer.builder().content(content).style(style).network(net).lr(0.05);
    }

    /** What the listener saw of one step, and a snapshot after it. */
    record Seen(int index, int total, int scale, int side, int width, Objective.Evaluation losses, StyleTransfer.Snapshot snapshot) {}

    static List<Seen> run(StyleTransfer.Builder b, StyleTransfer.Result[] result) throws IOException {
        List<Seen> seen = new ArrayList<>();
        StyleTransfer[] job = new StyleTransfer[1];
        job[0] = b.listener(s -> seen.add(new Seen(s.index(), s.totalSteps(), s.scale(), s.scaleSide(), s.image().width(), s.losses(),
                job[0].snapshot().orElseThrow()))).build();
        result[0] = job[0].run();
        return seen;
    }

    /** A [1,3,H,W] float image resized channel by channel with Resampler's float path. */
    static INDArray resized(INDArray x, int w, int h) {
        int fw = (int) x.size(3), fh = (int) x.size(2);
        float[] all = x.dup('c').data().asFloat(), out = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            float[] plane = Resampler.resizePlane(Arrays.copyOfRange(all, c * fw * fh, (c + 1) * fw * fh), fw, fh, w, h);
            System.arraycopy(plane, 0, out, c * w * h, w * h);
        }
        return Nd4j.create(out, new long[] {1, 3, h, w}, 'c');
    }

    static Map<String, Object> freshAdam() {
        return new Adam(0.05).state();
    }

    @Test
    void twoScalesCountStepsGloballyAndTheSecondStartsFromTheFirstsResultUpscaled() throws IOException {
        StyleTransfer.Result[] r = new StyleTransfer.Result[1];
        List<Seen> seen = run(base().scales(32, 64).steps(3, 2), r);

        assertThat(seen).extracting(Seen::index).containsExactly(0, 1, 2, 3, 4);
        assertThat(seen).extracting(Seen::total).containsOnly(5);
        assertThat(seen).extracting(Seen::scale).containsExactly(0, 0, 0, 1, 1);
        assertThat(seen).extracting(Seen::side).containsExactly(32, 32, 32, 64, 64);
        assertThat(seen).extracting(Seen::width).containsExactly(32, 32, 32, 64, 64);
        assertThat(seen).extracting(s -> s.snapshot().scale()).containsExactly(0, 0, 0, 1, 1);
        assertThat(seen).extracting(s -> s.snapshot().completedSteps()).containsExactly(1, 2, 3, 4, 5);
        assertThat(r[0].reason()).isEqualTo(StyleTransfer.StopReason.COMPLETED);
        assertThat(r[0].steps()).isEqualTo(5);
        assertThat(r[0].losses()).hasSize(5);
        assertThat(r[0].image().width()).isEqualTo(64);
        assertThat(r[0].image().height()).isEqualTo(46); // 40·64/56 = 45.7
        assertThat(r[0].normalized().shape()).containsExactly(1, 3, 46, 64);
        // Adam's state stays float32 at every scale, like the image.
        assertThat(((INDArray) seen.get(4).snapshot().optimizerState().get("m")).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(((INDArray) seen.get(4).snapshot().optimizerState().get("v")).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(seen.get(3).snapshot().optimizerState()).containsEntry("t", 1L); // a fresh optimizer for scale 2

        // Scale 1 is a 32-px run of 3 steps.
        StyleTransfer.Result small = base().size(32).steps(3).build().run();
        for (int k = 0; k < 3; k++) assertThat(r[0].losses().get(k)).as("step %d", k).isEqualTo(small.losses().get(k));
        ExactArrays.assertIdentical("the first scale's final image", seen.get(2).snapshot().image(), small.normalized());

        // Scale 2 is a 64-px run with a fresh optimizer from scale 1's float result, resized with the float filter.
        INDArray upscaled = resized(small.normalized(), 64, 46);
        StyleTransfer.Result large = base().size(64).steps(2).resumeFrom(0, upscaled, freshAdam()).build().run();
        assertThat(r[0].losses().subList(3, 5)).isEqualTo(large.losses());
        ExactArrays.assertIdentical("the result", r[0].normalized(), large.normalized());
        assertThat(r[0].image().pixels()).isEqualTo(large.image().pixels());

        // That float upscaling is the 8-bit resampler's (tested against Pillow) without its rounding: rendered, the
        // two differ by rounding only.
        RgbImage viaPixels = Resampler.resize(small.image(), 64, 46);
        int[] a = viaPixels.pixels(), b = ImageNet.toPixels(upscaled);
        int worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) worst = Math.max(worst, Math.abs((a[i] >> shift & 255) - (b[i] >> shift & 255)));
        }
        assertThat(worst).as("max channel difference, float vs 8-bit upscaling").isBetween(0, 2);
        // ...and a start from the content image at 64 px instead would give other losses.
        assertThat(base().size(64).steps(1).build().run().losses().get(0)).isNotEqualTo(large.losses().get(0));
    }

    /** Resumes after every step count, including both boundaries, and from a snapshot taken after the upscaling. */
    @Test
    void resumingAnywhereEndsBitIdenticalToTheUninterruptedRun() throws IOException {
        StyleTransfer.Result[] r = new StyleTransfer.Result[1];
        List<Seen> seen = run(base().scales(32, 48, 64).steps(2, 2, 2), r);
        for (int c : new int[] {1, 2, 3, 4, 5}) {
            StyleTransfer.Snapshot s = seen.get(c - 1).snapshot();
            StyleTransfer.Result[] resumed = new StyleTransfer.Result[1];
            List<Seen> after = run(base().scales(32, 48, 64).steps(2, 2, 2).resumeFrom(c, s.image(), s.optimizerState()), resumed);
            assertThat(after).as("after %d", c).extracting(Seen::index).isEqualTo(seen.subList(c, 6).stream().map(Seen::index).toList());
            assertThat(after).extracting(Seen::scale).isEqualTo(seen.subList(c, 6).stream().map(Seen::scale).toList());
            assertThat(resumed[0].losses()).isEqualTo(r[0].losses().subList(c, 6));
            assertThat(resumed[0].steps()).isEqualTo(6);
            ExactArrays.assertIdentical("resumed after " + c, resumed[0].normalized(), r[0].normalized());
        }
        // After scale 1's last step, a snapshot may hold scale 2's upscaled image and a fresh optimizer (taken once the
        // scale had begun): it resumes at scale 2 just the same.
        INDArray upscaled = resized(seen.get(1).snapshot().image(), 48, 34);
        StyleTransfer.Result resumed = base().scales(32, 48, 64).steps(2, 2, 2).resumeFrom(2, upscaled, freshAdam()).build().run();
        ExactArrays.assertIdentical("resumed from the upscaled image", resumed.normalized(), r[0].normalized());
        // An image of neither size is refused, naming the scale.
        assertThatThrownBy(() -> base().scales(32, 48, 64).steps(2, 2, 2).resumeFrom(3, upscaled.get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 20), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(), freshAdam()).build().run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the resumed image has shape [1, 3, 20, 48] but after 3 steps this run is at scale 2 of 3 (48 px), which works at [1, 3, 34, 48]");
    }

    @Test
    void cancelStopsAtTheCurrentScaleAndDivergenceKeepsItsLastFiniteImage() throws IOException {
        StyleTransfer[] job = new StyleTransfer[1];
        job[0] = base().scales(32, 64).steps(2, 2).listener(s -> {
            if (s.index() == 1) job[0].cancel(); // the last step of scale 1: the run must not move on
        }).build();
        StyleTransfer.Result r = job[0].run();
        assertThat(r.reason()).isEqualTo(StyleTransfer.StopReason.CANCELLED);
        assertThat(r.steps()).isEqualTo(2);
        assertThat(r.image().width()).isEqualTo(32);
        assertThat(job[0].snapshot().orElseThrow().scale()).isZero();
        assertThat(job[0].snapshot().orElseThrow().completedSteps()).isEqualTo(2);

        // L-BFGS with huge fixed steps diverges within the second scale; the result is that scale's last finite image.
        List<INDArray> after = new ArrayList<>();
        StyleTransfer[] d = new StyleTransfer[1];
        d[0] = base().optimizer("lbfgs").lineSearch(false).lr(100.0).scales(32, 56).steps(1, 20)
                .listener(s -> after.add(d[0].snapshot().orElseThrow().image())).build();
        StyleTransfer.Result dr = d[0].run();
        assertThat(dr.reason()).isEqualTo(StyleTransfer.StopReason.DIVERGED);
        int n = dr.losses().size() - 1;
        assertThat(n).as("diverged in scale 2, after some finite steps there").isGreaterThanOrEqualTo(3);
        ExactArrays.assertIdentical("the last finite image", dr.normalized(), after.get(n - 2));
        assertThat(dr.image().width()).isEqualTo(56);
        assertThat(d[0].snapshot()).isEmpty();
    }

    @Test
    void lbfgsHistoryIsTheNumberOfCurvaturePairsKept() throws IOException {
        StyleTransfer.Result[] one = new StyleTransfer.Result[1], hundred = new StyleTransfer.Result[1];
        List<Seen> a = run(base().optimizer("lbfgs").lineSearch(false).lr(1.0).size(32).steps(6).lbfgsHistory(1), one);
        List<Seen> b = run(base().optimizer("lbfgs").lineSearch(false).lr(1.0).size(32).steps(6), hundred);
        assertThat(a.get(5).snapshot().optimizerState()).containsEntry("pairs", 1L).containsKey("s0").doesNotContainKey("s1");
        assertThat((Long) b.get(5).snapshot().optimizerState().get("pairs")).isGreaterThan(1L);
        // The first two iterations cannot differ (at most one pair exists yet); later ones do.
        assertThat(one[0].losses().subList(0, 2)).isEqualTo(hundred[0].losses().subList(0, 2));
        assertThat(ExactArrays.maxAbsDifference(one[0].normalized(), hundred[0].normalized())).isPositive();
    }

    @Test
    void anLbfgsHistoryThatCannotFitIsRefusedSayingWhatWould() {
        // 56×40 px: one array is 26,880 bytes; 100 pairs and 10 more arrays are 5.6 MB.
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "1000000");
        assertThatThrownBy(() -> base().optimizer("lbfgs").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("L-BFGS with L-BFGS history 100 needs 5.6 MB for its 210 picture-sized arrays at 56x40 px (27 kB each: two per "
                        + "curvature pair, 10 more), but only 1.0 MB is available (" + MemoryCheck.AVAILABLE_PROPERTY
                        + "): L-BFGS history 13 would fit (or use a smaller size, or --optimizer adam)");
        base().optimizer("lbfgs").lbfgsHistory(13).build(); // (2·13 + 10)·26,880 = 967,680 bytes
        assertThatThrownBy(() -> base().optimizer("lbfgs").lbfgsHistory(14).build()).hasMessageContaining("history 13 would fit");
        base().build(); // Adam is not checked
        // The largest scale counts: 32 px alone fits 100 pairs in 2 MB (32×23 px: 210 arrays of 8,832 bytes), 32 then 56 does not.
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "2000000");
        base().optimizer("lbfgs").size(32).build();
        assertThatThrownBy(() -> base().optimizer("lbfgs").scales(32, 56).steps(1, 1).build()).hasMessageContaining("at 56x40 px");
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "100000");
        assertThatThrownBy(() -> base().optimizer("lbfgs").build()).hasMessageEndingWith("not even L-BFGS history 1 fits; use a smaller size, or --optimizer adam");
    }

    @Test
    void badSchedulesAreRefusedWithWhatToChange() {
        assertThatThrownBy(() -> base().scales(32, 64).steps(5).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("2 scales (32,64 px) need 2 step counts, one per scale, got 1 (5)");
        assertThatThrownBy(() -> base().size(32).steps(5, 5).build()).hasMessage("one scale takes one step count, got 2 (5,5); several counts need as many scales");
        assertThatThrownBy(() -> base().scales(64, 32).steps(1, 1).build())
                .hasMessage("scales must grow from one to the next, got 64,32 (scale 2, 32 px, is not larger than scale 1, 64 px)");
        assertThatThrownBy(() -> base().scales(32, 32).steps(1, 1).build()).hasMessageContaining("must grow");
        assertThatThrownBy(() -> base().scales(8, 32).steps(1, 1).build()).hasMessage("scales must be at least 16 pixels, got 8");
        assertThatThrownBy(() -> base().scales(32, 64).steps(1, 0).build()).hasMessageContaining("scale 2 (64 px) has 0");
        assertThatThrownBy(() -> base().lbfgsHistory(0).build()).hasMessage("L-BFGS history must be at least 1, got 0");
        // The last of size() and scales() counts; one scale is the same as size().
        assertThat(base().scales(32, 64).size(40).steps(1).build().scales()).isEqualTo(1);
        assertThat(base().size(40).scales(32, 64).steps(1, 1).build().scales()).isEqualTo(2);
        assertThat(base().scales(40).steps(1).build().workingContent().width()).isEqualTo(40);
    }
}
