/**
 * A small reverse-mode autodiff engine over ND4J arrays.
 *
 * <p>{@link dev.stylegrad.autograd.Tensor} holds a value, a gradient and whether it needs one. Every op is a
 * {@link dev.stylegrad.autograd.Function} with its forward and backward side by side (one file per op in
 * {@code dev.stylegrad.autograd.ops}); running it on inputs that need gradients records a node on the tape. {@link
 * dev.stylegrad.autograd.Tensor#backward()} walks the tape in reverse topological order (iteratively, so deep graphs
 * cannot overflow the stack), accumulating gradients with {@code +=} so a tensor used twice just works, and
 * computes gradients only for inputs that need them. {@link dev.stylegrad.autograd.GradMode#noGrad()} turns recording
 * off, e.g. for computing style targets.
 *
 * <p>Values and gradients are never modified in place by the engine; callers must not modify a tensor's value while
 * a graph that saved it is still to be back-propagated.
 */
package dev.stylegrad.autograd;
