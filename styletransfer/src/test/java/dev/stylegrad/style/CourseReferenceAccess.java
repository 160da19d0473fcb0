package dev.stylegrad.style;

import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Lets tests in other packages read JSON-lines loss logs and compare them with {@link CourseReference}'s helpers. */
public final class CourseReferenceAccess {
    private CourseReferenceAccess() {}

    public static List<double[]> readLog(Path file) throws IOException {
        return CourseReference.readLog(file);
    }

    /** {@link CourseReference#assertStepsMatch} for a log of ours (rows of {step, content, style, tv, total}). */
    public static double[] assertLogMatches(String what, List<double[]> ours, List<double[]> reference, int steps, double bound) {
        List<Objective.Evaluation> got = ours.stream().map(r -> new Objective.Evaluation(r[1], r[2], r[3], r[4])).toList();
        for (int k = 0; k < Math.min(steps, ours.size()); k++) {
            org.assertj.core.api.Assertions.assertThat(ours.get(k)[0]).as("%s: our step number", what).isEqualTo(k);
        }
        return CourseReference.assertStepsMatch(what, got, reference, steps, bound);
    }
}
