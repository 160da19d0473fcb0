package dev.stylegrad.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one op call passes from its forward to its backward: which inputs need gradients, the inputs' shapes, and
 * the arrays it chose to save. Saved arrays are read-only; the engine drops them once backward has used them.
 */
public final class Context {
    private final boolean[] needsInputGrad;
    private final long[][] inputShapes;
    private INDArray[] saved = new INDArray[0];
    private boolean released;
    private boolean gradOutputScratch;

    Context(boolean[] needsInputGrad, long[][] inputShapes) {
        this.needsInputGrad = needsInputGrad;
        this.inputShapes = inputShapes;
    }

    /** Whether backward must produce a gradient for input {@code i}; ops skip the work for inputs that do not. */
    public boolean needsInputGrad(int i) {
        return needsInputGrad[i];
    }

    /** Whether any input needs a gradient, i.e. whether this call is being recorded. Ops may skip saving if not. */
    public boolean recording() {
        for (boolean b : needsInputGrad) if (b) return true;
        return false;
    }

    public int inputCount() {
        return inputShapes.length;
    }

    public long[] inputShape(int i) {
        return inputShapes[i];
    }

    /** Keeps arrays for backward. Callers must not modify them afterwards. */
    public void saveForBackward(INDArray... arrays) {
        saved = arrays.clone();
    }

    public INDArray saved(int i) {
        if (released) throw new IllegalStateException("backward has already run through this graph; its saved arrays were freed");
        return saved[i];
    }

    /**
     * Whether backward may overwrite the gradient it is given (the engine made it, and nothing else reads it), e.g.
     * to apply a mask in place instead of into a new array.
     */
    public boolean gradOutputIsScratch() {
        return gradOutputScratch;
    }

    void setGradOutputScratch(boolean scratch) {
        gradOutputScratch = scratch;
    }

    void release() {
        released = true;
        saved = null;
    }
}
