package dev.stylegrad.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import dev.stylegrad.tensor.DType;
import dev.stylegrad.tensor.Elementwise;
import dev.stylegrad.tensor.MemoryScope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A value in the autodiff graph: an ND4J array, its accumulated gradient (leaves only) and whether it needs one.
 *
 * <p>Leaves are made by {@link #constant} (no gradient) or {@link #parameter} (gradient wanted); op results are made
 * by {@link Function#call} and remember the call that produced them until {@link #backward()} has run.
 */
public final class Tensor {
    private final INDArray value;
    private final boolean requiresGrad;
    private final boolean opResult; // made by an op: a gradient flows through it, never into it
    private Function.Node node; // null for leaves, and after backward has consumed it
    private INDArray grad;
    private final long sequence = SEQUENCE.getAndIncrement(); // creation order, for scheduling backward

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private Tensor(INDArray value, boolean requiresGrad, Function.Node node) {
        if (value == null) throw new NullPointerException("Tensor value is null");
        DType.of("Tensor", "value", value);
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.opResult = node != null;
        this.node = node;
    }

    /** A leaf that never needs a gradient (inputs, targets, frozen weights). */
    public static Tensor constant(INDArray value) {
        return new Tensor(value, false, null);
    }

    /** A leaf whose gradient {@link #backward()} accumulates into {@link #grad()}. */
    public static Tensor parameter(INDArray value) {
        return new Tensor(value, true, null);
    }

    static Tensor fromOp(INDArray value, Function.Node node) {
        return new Tensor(value, true, node);
    }

    /** The value. Do not modify it in place while a graph that used it is still to be back-propagated. */
    public INDArray value() {
        return value;
    }

    /** The accumulated gradient of a leaf, or null if none has been computed. Read-only. */
    public INDArray grad() {
        return grad;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public boolean isLeaf() {
        return !opResult;
    }

    public long[] shape() {
        return value.shape();
    }

    /** Forgets the accumulated gradient. */
    public void zeroGrad() {
        grad = null;
    }

    /** The same value as a constant leaf, cut off from the graph. Shares the value array (no copy). */
    public Tensor detach() {
        return constant(value);
    }

    /**
     * Back-propagates from this scalar (a tensor with one element): walks the recorded graph in reverse topological
     * order, computes each input gradient that is needed and accumulates leaf gradients into {@link #grad()}. The
     * graph is freed as it is walked, so backward runs once per forward.
     */
    public void backward() {
        if (value.length() != 1) {
            throw new IllegalStateException("backward() needs a scalar, but this tensor has shape " + Arrays.toString(value.shape())
                    + "; reduce it first (e.g. sum or mean)");
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward(): this tensor does not require a gradient (no input needs one, or it was made under noGrad)");
        }
        if (opResult && node == null) throw alreadyConsumed();
        List<Tensor> order = topologicalOrder();
        // Gradients made from here on are the engine's own; each is handed back to the memory scope (if one is open)
        // as soon as nothing can read it any more, so backward's peak is the few gradients alive at one time.
        long mark = MemoryScope.allocations();
        PendingGradients pending = new PendingGradients(mark);
        pending.add(this, Nd4j.ones(value.dataType(), value.shape()));
        // A tensor is ready once every op that used it has passed its gradient back. Among ready ones, run the op
        // whose inputs were made last: backward then walks down the network and, e.g., a style loss on an early
        // layer runs its backward just before that layer's gradient is needed, instead of first (holding a large
        // gradient through the whole walk).
        Map<Tensor, Integer> waiting = new IdentityHashMap<>();
        for (Tensor u : order) forEachGradEdge(u, in -> waiting.merge(in, 1, Integer::sum));
        PriorityQueue<Tensor> ready = new PriorityQueue<>((a, b) -> Long.compare(b.priority(), a.priority()));
        ready.add(this);
        while (!ready.isEmpty()) {
            Tensor t = ready.poll();
            if (t.opResult && t.node == null) throw alreadyConsumed();
            Function.Node n = t.node;
            INDArray g = pending.take(t);
            if (g != null && !t.opResult) {
                t.accumulate(g);
                pending.releaseUnused(g);
            } else if (g != null) {
                // The op may overwrite g if backward made it and no other waiting gradient shares its memory.
                n.ctx().setGradOutputScratch(pending.isExclusive(g));
                INDArray[] inputGrads = n.function().runBackward(n.ctx(), g);
                n.ctx().release();
                for (int i = 0; i < n.inputs().length; i++) {
                    if (!n.ctx().needsInputGrad(i) || inputGrads[i] == null) continue;
                    pending.add(n.inputs()[i], inputGrads[i]);
                }
                pending.releaseUnused(g); // only after all of this node's gradients are counted: they may share g's buffer
            }
            forEachGradEdge(t, in -> {
                if (waiting.merge(in, -1, Integer::sum) == 0) ready.add(in);
            });
            t.node = null;
        }
    }

    /** Scheduling priority in backward: leaves first (their gradient is final), then by the newest input. */
    private long priority() {
        if (node == null) return Long.MAX_VALUE;
        long p = -1;
        for (Tensor in : node.inputs()) p = Math.max(p, in.sequence);
        return p;
    }

    /** Calls {@code f} once per input edge of t's op that carries a gradient (an input used twice: twice). */
    private static void forEachGradEdge(Tensor t, java.util.function.Consumer<Tensor> f) {
        if (t.node == null) return;
        Tensor[] inputs = t.node.inputs();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].requiresGrad && t.node.ctx().needsInputGrad(i)) f.accept(inputs[i]);
        }
    }

    /**
     * Gradients waiting for their tensor's turn, with a count of how many of them live in each buffer: ops may
     * return views of the gradient they were given (reshape, add), so a gradient's buffer is handed back only once no
     * waiting gradient uses it, and only if backward made it (arrays from the forward pass may still be read).
     */
    private static final class PendingGradients {
        private final Map<Tensor, INDArray> byTensor = new IdentityHashMap<>();
        private final Map<Object, Integer> users = new IdentityHashMap<>();
        private final long mark;
        private final List<INDArray> replaced = new ArrayList<>();

        PendingGradients(long mark) {
            this.mark = mark;
        }

        void add(Tensor t, INDArray g) {
            INDArray old = byTensor.get(t);
            if (old == null) {
                put(t, g);
                return;
            }
            if (users.get(MemoryScope.storage(old)) == 1 && MemoryScope.lentSince(old, mark)
                    && Arrays.equals(old.shape(), g.shape())) {
                // Backward made old and nothing else reads it: sum into it rather than into a new array.
                sumGradientsInPlace(old, g);
                replaced.add(g);
                return;
            }
            INDArray sum = sumGradients(old, g);
            take(t);
            put(t, sum);
            replaced.add(old);
            replaced.add(g);
        }

        /** Whether g was made by backward and no waiting gradient shares its memory. */
        boolean isExclusive(INDArray g) {
            return !users.containsKey(MemoryScope.storage(g)) && MemoryScope.lentSince(g, mark);
        }

        INDArray take(Tensor t) {
            INDArray g = byTensor.remove(t);
            if (g != null) users.merge(MemoryScope.storage(g), -1, (a, b) -> a + b == 0 ? null : a + b);
            return g;
        }

        /** Hands back {@code g} and the gradients summed away since the last call, where nothing waiting uses them. */
        void releaseUnused(INDArray g) {
            replaced.add(g);
            for (INDArray a : replaced) {
                if (!users.containsKey(MemoryScope.storage(a)) && MemoryScope.lentSince(a, mark)) MemoryScope.release(a);
            }
            replaced.clear();
        }

        private void put(Tensor t, INDArray g) {
            byTensor.put(t, g);
            users.merge(MemoryScope.storage(g), 1, Integer::sum);
        }
    }

    private static INDArray sumGradients(INDArray a, INDArray b) {
        long start = OpTimes.enabled() ? System.nanoTime() : 0;
        INDArray sum = Elementwise.add(a, b);
        if (start != 0) OpTimes.add("(gradient sum)", System.nanoTime() - start);
        return sum;
    }

    private static void sumGradientsInPlace(INDArray a, INDArray b) {
        long start = OpTimes.enabled() ? System.nanoTime() : 0;
        Elementwise.addInPlace(a, b);
        if (start != 0) OpTimes.add("(gradient sum)", System.nanoTime() - start);
    }

    /** Leaves copy their first gradient so later in-place use by the caller cannot alias an op's array. */
    private void accumulate(INDArray g) {
        grad = grad == null ? g.dup() : Elementwise.add(grad, g);
    }

    /** Iterative depth-first post-order over nodes that need gradients: inputs come before their users. */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>(); // {tensor, next input index}
        stack.push(new Object[] {this, 0});
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.node == null ? new Tensor[0] : t.node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in.requiresGrad && t.node.ctx().needsInputGrad(next) && visited.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    private static IllegalStateException alreadyConsumed() {
        return new IllegalStateException("backward(): part of this graph was already back-propagated and freed; "
                + "run the forward pass again before calling backward() a second time");
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(value.shape()) + (requiresGrad ? " requiresGrad" : "") + (node != null ? " <- " + node.function().name() : "");
    }
}
