package dev.stylegrad.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Element-wise binary arithmetic with NumPy broadcasting, and {@link #sumTo}, its inverse for gradients. Outputs are
 * new arrays; inputs are never modified.
 */
public final class Elementwise {
    private Elementwise() {}

    public static INDArray add(INDArray a, INDArray b) {
        return binary("add", "add", a, b);
    }

    /** {@code a += b} in place, for same-shaped arrays (no broadcasting of {@code a}); returns a. */
    public static INDArray addInPlace(INDArray a, INDArray b) {
        Shapes.requireSameDType("add in place", "a", a, "b", b);
        Shapes.requireSameShape("add in place", "a", a, "b", b);
        Nd4j.exec(DynamicCustomOp.builder("add").addInputs(a, b).addOutputs(a).build());
        return a;
    }

    public static INDArray sub(INDArray a, INDArray b) {
        return binary("sub", "subtract", a, b);
    }

    public static INDArray mul(INDArray a, INDArray b) {
        return binary("mul", "multiply", a, b);
    }

    public static INDArray div(INDArray a, INDArray b) {
        return binary("div", "divide", a, b);
    }

    private static INDArray binary(String op, String nd4jOp, INDArray a, INDArray b) {
        Shapes.requireSameDType(op, "a", a, "b", b);
        long[] shape = Shapes.broadcast(op, a.shape(), b.shape());
        INDArray out = MemoryScope.allocate(a.dataType(), shape);
        Nd4j.exec(DynamicCustomOp.builder(nd4jOp).addInputs(a, b).addOutputs(out).build());
        return out;
    }

    /**
     * Sums a broadcast gradient back to the shape of the input it was broadcast from: sums the leading axes the
     * input did not have and, with keepdims, the axes where the input had size 1. Returns {@code grad} itself when
     * the shapes already agree.
     */
    public static INDArray sumTo(INDArray grad, long[] shape) {
        long[] g = grad.shape();
        if (java.util.Arrays.equals(g, shape)) return grad;
        int lead = g.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: gradient shape " + Shapes.format(g) + " has lower rank than target "
                    + Shapes.format(shape));
        }
        int[] axes = new int[g.length];
        int n = 0;
        for (int i = 0; i < g.length; i++) {
            if (i < lead) {
                axes[n++] = i;
            } else if (shape[i - lead] == 1 && g[i] != 1) {
                axes[n++] = i;
            } else if (shape[i - lead] != g[i]) {
                throw new IllegalArgumentException("sumTo: gradient shape " + Shapes.format(g) + " cannot be reduced to "
                        + Shapes.format(shape));
            }
        }
        INDArray summed = n == 0 ? grad : grad.sum(true, java.util.Arrays.copyOf(axes, n));
        return summed.reshape('c', shape);
    }
}
