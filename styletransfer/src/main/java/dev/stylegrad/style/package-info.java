/**
 * Style transfer proper: {@link dev.stylegrad.style.StyleTransfer} (builder, listener, cancellation), the loss of
 * DESIGN.md section 2 ({@code StyleObjective}: content MSE, Gram style loss with per-layer weights and the
 * 1/(d·h·w) factor, total variation; style targets computed once without a tape; several style images blended),
 * initialization, color preservation and the loss plot. Optimizers are in {@code optim}, image files in
 * {@code image}, checkpoints (save and resume a run) in {@code checkpoint}, the command line in {@code cli}.
 */
package dev.stylegrad.style;
