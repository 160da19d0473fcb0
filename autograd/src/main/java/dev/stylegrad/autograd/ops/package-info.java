/**
 * The differentiable ops, one class per op with its forward and backward side by side, and {@link
 * dev.stylegrad.autograd.ops.Ops}, the static entry points that run them on tensors.
 *
 * <p>Binary arithmetic broadcasts as NumPy does; its backward sums gradients back to each input's shape with {@link
 * dev.stylegrad.tensor.Elementwise#sumTo}. Gram and MSE are fused ops because their hand-written backward needs one
 * matrix product where the composed graph would need two.
 */
package dev.stylegrad.autograd.ops;
