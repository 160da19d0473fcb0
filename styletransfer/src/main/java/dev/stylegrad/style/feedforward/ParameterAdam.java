package dev.stylegrad.style.feedforward;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.tensor.Finite;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam over a set of named parameters, the update of {@code torch.optim.Adam} (no weight decay, not AMSGrad) in its
 * order of operations: per parameter with a gradient, {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
 * {@code p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)}, t counting the steps in which that parameter had a gradient (as
 * PyTorch counts per parameter). Parameters without a gradient are left alone, moments and count included.
 *
 * <p>Not thread-safe: one training loop owns it. The parameters are updated in place.
 */
public final class ParameterAdam {
    private final Map<String, Tensor> parameters;
    private final double beta1, beta2, eps;
    private double lr;
    private final Map<String, INDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private long t;

    public ParameterAdam(Map<String, Tensor> parameters, double lr) {
        this(parameters, lr, 0.9, 0.999, 1e-8);
    }

    public ParameterAdam(Map<String, Tensor> parameters, double lr, double beta1, double beta2, double eps) {
        if (!(lr > 0)) throw new IllegalArgumentException("Adam: learning rate must be positive, got " + lr);
        this.parameters = new LinkedHashMap<>(parameters);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /**
     * One update from the parameters' accumulated gradients, then clears them for the next step. An update that would
     * make any parameter or moment NaN or infinite is not made: nothing changes (not even the step count) and this
     * returns false, so a diverging training keeps its last finite network.
     */
    public boolean step() {
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            if (p.grad() != null) gradients.put(name, p.grad());
        });
        return step(gradients);
    }

    /**
     * {@link #step()} with gradients computed elsewhere (the shards of a batch, added up), by parameter name;
     * parameters absent from the map are left alone, as those without a gradient.
     */
    public boolean step(Map<String, INDArray> gradients) {
        Map<String, INDArray[]> updates = new LinkedHashMap<>();
        try (MemoryScope scope = MemoryScope.open("parameter-adam")) {
            boolean finite = true;
            for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
                INDArray g = gradients.get(e.getKey());
                if (g == null) continue;
                long count = counts.getOrDefault(e.getKey(), 0L) + 1;
                double biasCorrection1 = 1 - Math.pow(beta1, count);
                double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, count));
                INDArray p = e.getValue().value();
                INDArray mi = m.computeIfAbsent(e.getKey(), k -> MemoryScope.outside(() -> Nd4j.zeros(p.dataType(), p.shape())));
                INDArray vi = v.computeIfAbsent(e.getKey(), k -> MemoryScope.outside(() -> Nd4j.zeros(p.dataType(), p.shape())));
                // The same operations as in place, into new arrays: committed only if every result is finite.
                INDArray newM = mi.mul(beta1).addi(g.mul(1 - beta1));
                INDArray newV = vi.mul(beta2).addi(g.mul(g).muli(1 - beta2));
                INDArray denom = Transforms.sqrt(newV, true).divi(biasCorrection2Sqrt).addi(eps);
                INDArray newP = p.sub(newM.div(denom).muli(lr / biasCorrection1));
                finite &= Finite.all(newM) && Finite.all(newV) && Finite.all(newP);
                updates.put(e.getKey(), new INDArray[] {newM, newV, newP});
            }
            if (finite) {
                t++;
                updates.forEach((name, u) -> {
                    m.get(name).assign(u[0]);
                    v.get(name).assign(u[1]);
                    parameters.get(name).value().assign(u[2]);
                    counts.merge(name, 1L, Long::sum);
                });
            }
            parameters.values().forEach(Tensor::zeroGrad);
            return finite;
        }
    }

    /**
     * Sets the learning rate of the next steps, as a schedule does through PyTorch's {@code param_groups} (the AdaIN
     * reference's decay, lr / (1 + 5e-5 · iteration), is set before each step).
     */
    public void setLearningRate(double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("Adam: learning rate must be positive, got " + lr);
        this.lr = lr;
    }

    /** Steps taken (calls of {@link #step}). */
    public long steps() {
        return t;
    }

    /**
     * Everything the next updates depend on: the steps taken, and per parameter that has had a gradient its step
     * count and first and second moments (the arrays themselves: copy them to keep them past the next step).
     */
    public record State(long steps, Map<String, Long> counts, Map<String, INDArray> m, Map<String, INDArray> v) {}

    public State state() {
        return new State(t, Map.copyOf(counts), Map.copyOf(m), Map.copyOf(v));
    }

    /**
     * Continues from a saved {@link #state()} (for the same parameters), so the next step is the one the saved
     * optimizer would have taken.
     *
     * @throws IllegalArgumentException naming the parameter if the state holds a parameter this optimizer does not
     *     have, lacks a moment, or a moment's shape differs from its parameter's
     */
    public void restore(State state) {
        for (String name : state.counts().keySet()) {
            Tensor p = parameters.get(name);
            if (p == null) throw new IllegalArgumentException("Adam state: unknown parameter " + name);
            for (Map<String, INDArray> moments : List.of(state.m(), state.v())) {
                INDArray a = moments.get(name);
                if (a == null) throw new IllegalArgumentException("Adam state: no moments for " + name);
                if (!java.util.Arrays.equals(a.shape(), p.value().shape())) {
                    throw new IllegalArgumentException("Adam state: " + name + " has moments of shape " + Shapes.format(a.shape())
                            + " for a parameter of shape " + Shapes.format(p.value().shape()));
                }
            }
        }
        m.clear();
        v.clear();
        counts.clear();
        for (String name : state.counts().keySet()) {
            INDArray p = parameters.get(name).value();
            m.put(name, MemoryScope.outside(() -> state.m().get(name).castTo(p.dataType()).dup('c')));
            v.put(name, MemoryScope.outside(() -> state.v().get(name).castTo(p.dataType()).dup('c')));
            counts.put(name, state.counts().get(name));
        }
        t = state.steps();
    }
}
