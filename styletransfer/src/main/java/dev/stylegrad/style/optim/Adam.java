package dev.stylegrad.style.optim;

import dev.stylegrad.tensor.MemoryScope;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam as PyTorch implements it (torch.optim.Adam, no weight decay, not AMSGrad): bias-corrected first and second
 * moments, {@code x -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)}, computed in the parameters' dtype in PyTorch's order so
 * runs agree step for step.
 */
public final class Adam implements Optimizer {
    /** The course's learning rate, and style transfer's default. */
    public static final double DEFAULT_LR = 0.003;
    /** PyTorch's defaults: the decay rates of the moment estimates and the denominator's term. */
    public static final double DEFAULT_BETA1 = 0.9, DEFAULT_BETA2 = 0.999, DEFAULT_EPS = 1e-8;

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private INDArray m;    // first moment, persistent
    private INDArray v;    // second moment, persistent
    private INDArray grad; // gradient buffer, persistent
    private long t;
    private long evaluations;

    public Adam(double lr) {
        this(lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
    }

    public Adam(double lr, double beta1, double beta2, double eps) {
        if (!(lr > 0)) throw new IllegalArgumentException("Adam: learning rate must be positive, got " + lr);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public Objective.Evaluation step(INDArray x, Objective objective) {
        if (m == null) allocate(x);
        Objective.Evaluation e = objective.evaluate(x, grad);
        evaluations++;
        if (!e.isFinite()) return e; // leave x and the moments as they were; the caller stops
        t++;
        try (MemoryScope scope = MemoryScope.open("adam")) {
            m.muli(beta1).addi(grad.mul(1 - beta1));
            v.muli(beta2).addi(grad.mul(grad).muli(1 - beta2));
            double biasCorrection1 = 1 - Math.pow(beta1, t);
            double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
            INDArray denom = Transforms.sqrt(v, true).divi(biasCorrection2Sqrt).addi(eps);
            x.subi(m.div(denom).muli(lr / biasCorrection1));
        }
        return e;
    }

    private void allocate(INDArray x) {
        MemoryScope.outside(() -> {
            m = Nd4j.zeros(x.dataType(), x.shape());
            v = Nd4j.zeros(x.dataType(), x.shape());
            grad = Nd4j.zeros(x.dataType(), x.shape());
            return null;
        });
    }

    @Override
    public long evaluations() {
        return evaluations;
    }

    /** {@code t}, {@code evaluations}, and {@code m}, {@code v} once the first step allocated them. */
    @Override
    public Map<String, Object> state() {
        Map<String, Object> s = new HashMap<>();
        s.put("t", t);
        s.put("evaluations", evaluations);
        if (m != null) { // the gradient buffer is scratch: every step overwrites it before reading
            s.put("m", MemoryScope.outside(m::dup));
            s.put("v", MemoryScope.outside(v::dup));
        }
        return s;
    }

    @Override
    public void restore(Map<String, Object> state) {
        t = StateMaps.number(state, "adam", "t").longValue();
        evaluations = StateMaps.number(state, "adam", "evaluations").longValue();
        if (state.containsKey("m")) {
            INDArray sm = StateMaps.array(state, "adam", "m"), sv = StateMaps.array(state, "adam", "v");
            allocate(sm);
            m.assign(sm);
            v.assign(sv);
        } else {
            m = v = grad = null; // not started yet: the first step allocates zeros
        }
    }

    /** Closes m, v and the gradient buffer and destroys this thread's "adam" step scope (its pooled scratch arrays). */
    @Override
    public void close() {
        if (m != null) {
            m.close();
            v.close();
            grad.close();
            m = v = grad = null;
        }
        MemoryScope.destroy("adam");
    }

    @Override
    public String name() {
        return "adam";
    }
}
