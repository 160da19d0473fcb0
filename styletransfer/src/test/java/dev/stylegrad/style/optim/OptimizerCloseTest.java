package dev.stylegrad.style.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.stylegrad.tensor.MemoryScope;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Optimizer#close()} frees an optimizer's off-heap memory at once rather than whenever the GC gets to it: every
 * array it held (moments, gradients, iterates, curvature pairs, recycled pairs) is closed and let go, and its step
 * scope's pooled memory is destroyed, so the next scope of that name starts empty. The arrays are found through the
 * optimizer's fields, since none of them is handed out (its state is made of copies).
 */
class OptimizerCloseTest {
    /** The arrays an object's fields hold: directly, in arrays (such as {s, y} pairs), or in collections of those. */
    static List<INDArray> heldArrays(Object optimizer) throws IllegalAccessException {
        List<INDArray> out = new ArrayList<>();
        for (Object value : fieldValues(optimizer)) collect(value, out);
        return out;
    }

    private static List<Object> fieldValues(Object o) throws IllegalAccessException {
        List<Object> values = new ArrayList<>();
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            f.setAccessible(true);
            values.add(f.get(o));
        }
        return values;
    }

    private static void collect(Object o, List<INDArray> out) {
        if (o instanceof INDArray a) out.add(a);
        else if (o instanceof Object[] array) for (Object e : array) collect(e, out);
        else if (o instanceof Collection<?> c) for (Object e : c) collect(e, out);
    }

    /** Whether the scope of this name on this thread starts with no memory (it was destroyed, or never used). */
    private static boolean scopeStartsEmpty(String name) {
        try (MemoryScope scope = MemoryScope.open(name)) {
            return scope.reservedBytes() == 0;
        } finally {
            MemoryScope.destroy(name);
        }
    }

    private static void assertClosesEverything(Optimizer opt, String scope) throws IllegalAccessException {
        List<INDArray> held = heldArrays(opt);
        opt.close();
        for (INDArray a : held) assertThat(a.wasClosed()).as("an array held before close").isTrue();
        assertThat(heldArrays(opt)).as("arrays still referenced after close").isEmpty();
        for (Object value : fieldValues(opt)) {
            if (value instanceof Collection<?> c) assertThat(c).as("a collection after close").isEmpty();
        }
        assertThat(scopeStartsEmpty(scope)).as("the '%s' scope's memory was destroyed", scope).isTrue();
    }

    @Test
    void adamClosesItsMomentsAndGradientAndDestroysItsScope() throws IllegalAccessException {
        Adam adam = new Adam(0.05);
        INDArray x = LbfgsFallbackTest.vec(0.3, -1.2, 2.0, 0.7, -0.4);
        for (int i = 0; i < 3; i++) adam.step(x, OptimizerStateTest.BUMPY);
        assertThat(heldArrays(adam)).as("m, v and the gradient buffer").hasSize(3);
        assertThat(scopeStartsEmptyAfterSteps(() -> adam.step(x.dup(), OptimizerStateTest.BUMPY), "adam"))
                .as("without close, the step scope keeps its memory").isFalse();
        assertClosesEverything(adam, "adam");
    }

    @Test
    void lbfgsClosesItsPairsRecycledPairsAndBuffersAndDestroysItsScope() throws IllegalAccessException {
        // History 1 on a quadratic: each new pair evicts the previous one into the recycling list.
        Lbfgs lbfgs = new Lbfgs(0.5, 1, false, 1e-7, 1e-9);
        INDArray x = LbfgsFallbackTest.vec(2, -1, 0.5);
        Objective f = LbfgsTwoLoopTest.objective(LbfgsTwoLoopTest.QUADRATIC, null);
        for (int i = 0; i < 5; i++) lbfgs.step(x, f);
        assertThat(lbfgs.state().get("pairs")).isEqualTo(1L);
        // g, gPrev, xPrev, d, gBest, the kept pair, and at least one recycled pair.
        assertThat(heldArrays(lbfgs)).hasSizeGreaterThanOrEqualTo(5 + 2 + 2);
        assertThat(scopeStartsEmptyAfterSteps(() -> lbfgs.step(x, f), "lbfgs")).isFalse();
        assertClosesEverything(lbfgs, "lbfgs");
    }

    /** Runs {@code step}, then reports whether the scope would start empty (without destroying it). */
    private static boolean scopeStartsEmptyAfterSteps(Runnable step, String name) {
        step.run();
        try (MemoryScope scope = MemoryScope.open(name)) {
            return scope.reservedBytes() == 0;
        }
    }

    @Test
    void closingAnOptimizerThatNeverSteppedIsFine() throws IllegalAccessException {
        for (Optimizer opt : new Optimizer[] {new Adam(0.1), new Lbfgs(1, true)}) {
            assertThat(heldArrays(opt)).isEmpty();
            assertThatCode(opt::close).as(opt.name()).doesNotThrowAnyException();
        }
    }

    @Test
    void lbfgsReportsItsHistory() {
        assertThat(new Lbfgs(1, 7, true).history()).isEqualTo(7);
        assertThat(new Lbfgs(1, true).history()).isEqualTo(Lbfgs.DEFAULT_HISTORY).isEqualTo(100);
    }
}
