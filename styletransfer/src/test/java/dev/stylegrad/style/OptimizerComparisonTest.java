package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** L-BFGS, as Gatys et al. use it, against the course's Adam on the same problem (mini VGG19, course images). */
class OptimizerComparisonTest {
    @Test
    void lbfgsReachesAdams200StepLossInFarFewerEvaluations() throws IOException {
        StyleTransfer.Result adam = StyleTransfer.builder().content(CourseReference.content()).style(CourseReference.style())
                .weights(CourseReference.MINI_WEIGHTS).steps(200).build().run();
        double target = adam.losses().get(199).total();
        long[] evaluationsToTarget = {-1};
        StyleTransfer[] lbfgs = new StyleTransfer[1];
        lbfgs[0] = StyleTransfer.builder().content(CourseReference.content()).style(CourseReference.style())
                .weights(CourseReference.MINI_WEIGHTS).optimizer("lbfgs").steps(200).listener(s -> {
                    if (evaluationsToTarget[0] < 0 && s.losses().total() <= target) {
                        // Losses are those at the step's starting point, reached with the evaluations before this step.
                        evaluationsToTarget[0] = s.evaluations();
                        lbfgs[0].cancel();
                    }
                }).build();
        StyleTransfer.Result r = lbfgs[0].run();
        List<Objective.Evaluation> l = r.losses();
        System.out.printf("optimizers: Adam after 200 evaluations: total %.4g; L-BFGS reached it after %d evaluations (%d iterations)%n",
                target, evaluationsToTarget[0], l.size());
        assertThat(evaluationsToTarget[0]).isPositive().isLessThanOrEqualTo(200 / 4);
    }
}
