package dev.stylegrad.autograd;

import static dev.stylegrad.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.ops.Ops;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link OpTimes}: what the engine records per op and direction while enabled, and that it records nothing otherwise. */
class OpTimesReportTest {
    /** name → {calls, ms} from the report's lines. */
    static Map<String, double[]> parse(String report) {
        Map<String, double[]> rows = new LinkedHashMap<>();
        for (String line : report.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            int n = f.length;
            // "<name words> <calls> calls <ms> ms"
            String name = String.join(" ", java.util.Arrays.copyOf(f, n - 4));
            rows.put(name, new double[] {Double.parseDouble(f[n - 4]), Double.parseDouble(f[n - 2])});
        }
        return rows;
    }

    @Test
    void countsEveryForwardBackwardAndGradientSum() {
        OpTimes.reset();
        long t0 = System.nanoTime();
        OpTimes.enable(true);
        try {
            Tensor x = Tensor.parameter(random(1, 3, 4));
            // x feeds two branches whose gradients are summed.
            Tensor y = Ops.sum(Ops.add(Ops.square(x), Ops.square(x)));
            y.backward();
            // Again inside a memory scope, where backward sums the two gradients of x in place.
            try (dev.stylegrad.tensor.MemoryScope scope = dev.stylegrad.tensor.MemoryScope.open("optimes-test")) {
                Tensor z = Ops.sum(Ops.add(Ops.square(x), Ops.mul(x, 3.0)));
                z.backward();
            }
        } finally {
            OpTimes.enable(false);
        }
        double elapsedMs = (System.nanoTime() - t0) / 1e6;
        Map<String, double[]> rows = parse(OpTimes.report());
        assertThat(rows).containsKeys("Square forward", "Square backward", "Add forward", "Add backward", "Sum forward",
                "Sum backward", "MulScalar forward", "MulScalar backward", "(gradient sum)");
        assertThat(rows.get("Square forward")[0]).isEqualTo(3);
        assertThat(rows.get("Square backward")[0]).isEqualTo(3);
        assertThat(rows.get("Add forward")[0]).isEqualTo(2);
        assertThat(rows.get("Sum backward")[0]).isEqualTo(2);
        assertThat(rows.get("MulScalar backward")[0]).isEqualTo(1);
        assertThat(rows.get("(gradient sum)")[0]).as("one per backward: x has two uses each time").isEqualTo(2);
        double total = 0;
        for (double[] r : rows.values()) {
            assertThat(r[1]).isGreaterThanOrEqualTo(0);
            total += r[1];
        }
        // Times are elapsed intervals: together no longer than the whole test (a wrong sign would make them huge).
        assertThat(total).isPositive().isLessThanOrEqualTo(elapsedMs + 1);
        // Largest first.
        double prev = Double.MAX_VALUE;
        for (double[] r : rows.values()) {
            assertThat(r[1]).isLessThanOrEqualTo(prev);
            prev = r[1];
        }

        OpTimes.reset();
        assertThat(OpTimes.report()).isEmpty();
        Tensor x = Tensor.parameter(random(2, 2));
        Ops.sum(Ops.add(Ops.square(x), x)).backward(); // forward, backward and a gradient sum, none of them timed
        assertThat(x.grad().toDoubleVector()).hasSize(2);
        assertThat(OpTimes.report()).as("nothing is recorded while disabled").isEmpty();
    }
}
