package dev.stylegrad.autograd.ops;

import dev.stylegrad.autograd.Context;
import dev.stylegrad.autograd.Function;
import dev.stylegrad.tensor.Shapes;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reshape in C order; one dimension may be -1 and is then inferred. */
final class Reshape extends Function {
    private final long[] shape;

    Reshape(long[] shape) {
        this.shape = shape.clone();
    }

    @Override
    protected INDArray forward(Context ctx, INDArray... in) {
        long[] target = resolve(in[0].shape());
        return in[0].reshape('c', target);
    }

    @Override
    protected INDArray[] backward(Context ctx, INDArray g) {
        return new INDArray[] {g.reshape('c', ctx.inputShape(0))};
    }

    private long[] resolve(long[] from) {
        long total = Shapes.size(from);
        long known = 1;
        int infer = -1;
        long[] out = shape.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(shape));
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Arrays.toString(shape));
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0 && known > 0 && total % known == 0) out[infer] = total / known;
        if (Shapes.size(out) != total || infer >= 0 && known == 0) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.format(from) + " (" + total
                    + " elements) to " + Arrays.toString(shape));
        }
        return out;
    }
}
