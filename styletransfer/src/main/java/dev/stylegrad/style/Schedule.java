package dev.stylegrad.style;

import dev.stylegrad.style.image.Resampler;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The scales a run works at and the steps it takes at each: one scale at a longer side (or at the content's own size),
 * or several growing longer sides, each with its step count. Step indices count over all scales; {@link #ends()} says
 * where each scale's steps end.
 *
 * <p>Checked once, by {@link #of}: one step count per scale, steps at least 0 (at least 1 each when there are several
 * scales), sides at least 16 pixels and growing. The messages name the settings the way the caller does: a library
 * user's {@code scales(...)}/{@code steps(...)}, or the command line's {@code --scales}/{@code --steps}.
 *
 * @param sides the longer side of each scale, in pixels; null for one scale at the content's own size
 * @param steps the optimization steps at each scale
 */
public record Schedule(int[] sides, int[] steps) {
    /** The smallest side a scale may have. */
    public static final int MIN_SIDE = 16;

    /** How a check's message names the settings: as the library's builder methods, or as the command line's options. */
    public enum Wording { LIBRARY, COMMAND_LINE }

    public Schedule {
        sides = sides == null ? null : sides.clone();
        steps = steps.clone();
    }

    /**
     * A checked schedule: {@code sides} from {@code size} (one scale; null: the content's own size) or {@code scales}
     * (several; {@code size} is then ignored), with {@code steps} per scale.
     *
     * @throws SettingsException naming what to change
     */
    public static Schedule of(Integer size, int[] scales, int[] steps, Wording wording) {
        boolean cli = wording == Wording.COMMAND_LINE;
        if (scales == null && size != null && size < MIN_SIDE) {
            throw new SettingsException((cli ? "--size" : "size") + " must be at least " + MIN_SIDE + " pixels, got " + size);
        }
        int[] sides = scales != null ? scales : size == null ? null : new int[] {size};
        int n = scales == null ? 1 : scales.length;
        if (n == 0) throw new SettingsException(cli ? "--scales: give at least one longer side" : "scales: give at least one longer side");
        if (steps.length != n) throw new SettingsException(countMismatch(sides, steps, scales != null, cli));
        for (int k = 0; k < n; k++) {
            int s = steps[k];
            if (s < 0) throw new SettingsException((cli ? "--steps" : "steps") + " must be >= 0, got " + s);
            if (s == 0 && n > 1) {
                throw new SettingsException(cli ? "--steps: every scale needs at least one step, but scale " + (k + 1) + " (" + sides[k] + " px) has 0"
                        : "every scale needs at least one step, but scale " + (k + 1) + " (" + sides[k] + " px) has 0: leave the scale out instead");
            }
            if (scales == null) continue;
            if (sides[k] < MIN_SIDE) {
                throw new SettingsException(cli ? "--scales: each scale must be at least " + MIN_SIDE + " px, got " + sides[k]
                        : "scales must be at least " + MIN_SIDE + " pixels, got " + sides[k]);
            }
            if (k > 0 && sides[k] <= sides[k - 1]) {
                throw new SettingsException(cli ? "--scales must grow from one scale to the next, got " + list(sides) + " (" + sides[k] + " px after " + sides[k - 1] + " px)"
                        : "scales must grow from one to the next, got " + list(sides) + " (scale " + (k + 1) + ", " + sides[k]
                                + " px, is not larger than scale " + k + ", " + sides[k - 1] + " px)");
            }
        }
        return new Schedule(sides, steps);
    }

    private static String countMismatch(int[] sides, int[] steps, boolean several, boolean cli) {
        int n = several ? sides.length : 1;
        if (!cli) {
            return n == 1 ? "one scale takes one step count, got " + steps.length + " (" + list(steps) + "); several counts need as many scales"
                    : n + " scales (" + list(sides) + " px) need " + n + " step counts, one per scale, got " + steps.length + " (" + list(steps) + ")";
        }
        return !several
                ? "--steps gives " + steps.length + " counts (" + list(steps) + ") but there is one scale: give --scales with as many longer sides for a multi-scale run"
                : "--scales gives " + n + " scales (" + list(sides) + ") but --steps gives " + steps.length + " count" + (steps.length == 1 ? "" : "s")
                        + " (" + list(steps) + "): give one --steps count per scale, e.g. --steps " + list(exampleSteps(n));
    }

    /** 300, 150, 75, ...: halving per scale, as each scale's steps cost about four times the one before. */
    private static int[] exampleSteps(int n) {
        int[] e = new int[n];
        for (int k = 0; k < n; k++) e[k] = Math.max(10, 300 >> k);
        return e;
    }

    @Override
    public int[] sides() {
        return sides == null ? null : sides.clone();
    }

    @Override
    public int[] steps() {
        return steps.clone();
    }

    /** The number of scales. */
    public int scales() {
        return steps.length;
    }

    /** The longer side of scale {@code k}, or null for the content's own size. */
    public Integer side(int k) {
        return sides == null ? null : sides[k];
    }

    /** The longer side of scale {@code k} for content of {@code width × height} (its own size when none is set). */
    public int side(int k, int width, int height) {
        return sides == null ? Math.max(width, height) : sides[k];
    }

    /** {width, height} of {@code width × height} content at scale {@code k}. */
    public int[] workingSize(int k, int width, int height) {
        return sides == null ? new int[] {width, height} : Resampler.fitMaxSideDimensions(width, height, sides[k]);
    }

    /** The steps counted over all scales once each scale is done: cumulative sums of {@link #steps}. */
    public int[] ends() {
        int[] ends = new int[steps.length];
        for (int k = 0, sum = 0; k < ends.length; k++) ends[k] = sum += steps[k];
        return ends;
    }

    /** All steps of the run. */
    public int totalSteps() {
        return ends()[steps.length - 1];
    }

    /** The scale (0-based) that runs step {@code index}. */
    public int scaleOf(int index) {
        int[] ends = ends();
        int k = 0;
        while (k < ends.length - 1 && index >= ends[k]) k++;
        return k;
    }

    /** The step this scale begins at. */
    public int start(int k) {
        return k == 0 ? 0 : ends()[k - 1];
    }

    /** Comma-separated values, e.g. {@code 256,512}. */
    static String list(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && Arrays.equals(sides, s.sides) && Arrays.equals(steps, s.steps);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sides) + Arrays.hashCode(steps);
    }

    @Override
    public String toString() {
        return sides == null ? steps[0] + " steps at the content's size" : "scales " + list(sides) + " px, steps " + list(steps);
    }
}
