/**
 * The networks: VGG19's and VGG16's feature networks and fast_neural_style's transformer network, built from weight
 * files users already have.
 *
 * <p>{@link dev.stylegrad.models.Vgg} names every layer by block and position ({@code convX_Y} before ReLU,
 * {@code reluX_Y} after, {@code poolN}), takes its widths from the file rather than assuming the published ones, loads
 * only the convolutions up to the deepest layer asked for and runs only that far. {@link
 * dev.stylegrad.models.TransformerNet} is the reference's network layer for layer. Both are written as their layer
 * tables ({@code dev.stylegrad.autograd.layers}), which hand intermediates' memory back when no tape needs them, so
 * nothing here frees memory by hand. {@link dev.stylegrad.models.ImageNet} holds the one place where pixels become
 * network input and back. Reading the files themselves (PyTorch {@code .pth} in both serializations, safetensors) is
 * {@code dev.stylegrad.io}'s job; {@link dev.stylegrad.models.WeightsLocation} and {@link
 * dev.stylegrad.io.Checksums} say where the published file lives and how to trust it.
 */
package dev.stylegrad.models;
