package dev.stylegrad.autograd;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A differentiable op: {@link #forward} computes the output from input values and saves what {@link #backward}
 * needs in the {@link Context}; backward maps the output's gradient to one gradient per input ({@code null} for
 * inputs that do not need one). An instance holds the op's settings (axes, strides, ...) and is used for one call.
 *
 * <p>Neither method may modify its arguments in place, with one exception: backward may overwrite the gradient it
 * is given when {@link Context#gradOutputIsScratch()} says so.
 */
public abstract class Function {

    protected abstract INDArray forward(Context ctx, INDArray... inputs);

    protected abstract INDArray[] backward(Context ctx, INDArray gradOutput);

    /** The op's name in error messages. */
    public String name() {
        return getClass().getSimpleName();
    }

    /**
     * Runs the op. If grad mode is on and any input needs a gradient, the result records this call on the tape.
     */
    public final Tensor call(Tensor... inputs) {
        INDArray[] values = new INDArray[inputs.length];
        boolean[] needs = new boolean[inputs.length];
        long[][] shapes = new long[inputs.length][];
        boolean record = false;
        boolean enabled = GradMode.isEnabled();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) throw new NullPointerException(name() + ": input " + i + " is null");
            values[i] = inputs[i].value();
            shapes[i] = values[i].shape();
            needs[i] = enabled && inputs[i].requiresGrad();
            record |= needs[i];
        }
        Context ctx = new Context(needs, shapes);
        long start = OpTimes.enabled() ? System.nanoTime() : 0;
        INDArray out = forward(ctx, values);
        if (start != 0) OpTimes.add(name() + " forward", System.nanoTime() - start);
        if (!record) {
            ctx.release();
            return Tensor.constant(out);
        }
        return Tensor.fromOp(out, new Node(this, inputs, ctx));
    }

    /** Runs backward and checks that each gradient has exactly its input's shape. */
    final INDArray[] runBackward(Context ctx, INDArray gradOutput) {
        long start = OpTimes.enabled() ? System.nanoTime() : 0;
        INDArray[] grads = backward(ctx, gradOutput);
        if (start != 0) OpTimes.add(name() + " backward", System.nanoTime() - start);
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null && !Arrays.equals(grads[i].shape(), ctx.inputShape(i))) {
                throw new IllegalStateException(name() + " backward: gradient of input " + i + " has shape "
                        + Arrays.toString(grads[i].shape()) + ", but the input has " + Arrays.toString(ctx.inputShape(i)));
            }
        }
        return grads;
    }

    /** One recorded call: the op, its inputs and its context. */
    record Node(Function function, Tensor[] inputs, Context ctx) {}
}
