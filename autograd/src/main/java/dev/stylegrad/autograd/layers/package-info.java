/**
 * Networks composed of layers, with the memory of intermediates handed back by the composition instead of by hand.
 *
 * <p>A {@link dev.stylegrad.autograd.layers.Layer} maps a tensor to a tensor; a {@link
 * dev.stylegrad.autograd.layers.Sequential} runs layers in order (optionally returning named layers' outputs); a
 * {@link dev.stylegrad.autograd.layers.Residual} adds a block's output to its input. Model code states the
 * architecture with these and never frees memory itself.
 *
 * <p>The release rule, in one place ({@code Intermediates}): once the next layer has read an intermediate, its
 * memory goes back to the open {@link dev.stylegrad.tensor.MemoryScope} unless a tape may still read it (it needs a
 * gradient, or the layer that read it recorded itself: a recorded op may have saved it for backward), it is the
 * caller's input, or it is an output the caller asked to keep (or shares memory with any of these). Without a tape
 * (no gradient wanted) a pass then holds a few activations at a time instead of all of them; when recording, nothing
 * is released and backward reads what it saved.
 */
package dev.stylegrad.autograd.layers;
