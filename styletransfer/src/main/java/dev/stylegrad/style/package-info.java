/**
 * Style transfer proper (Gatys et al.): {@link dev.stylegrad.style.StyleTransfer} (builder, listener, cancellation),
 * its settings with their defaults and checks in one place ({@link dev.stylegrad.style.RunSettings}, {@link
 * dev.stylegrad.style.Schedule}, {@link dev.stylegrad.style.TilePolicy}), the loss of docs/design.md, "The math"
 * ({@code StyleObjective}: content MSE, Gram style loss with per-layer weights and the 1/(d·h·w) factor, total
 * variation; style targets computed once without a tape; several style images blended), its exact tiled evaluation
 * for large pictures ({@code TilePlanner}, {@code TiledStyleObjective}; docs/design.md, "Exact tiles"),
 * initialization and color preservation.
 *
 * <p>Optimizers are in {@code optim}, image files in {@code image}, checkpoints (save and resume a run) in {@code
 * checkpoint}, feed-forward networks in {@code feedforward}. This module logs through the SLF4J API only and has no
 * user interface: the command line, progress bars and loss plots are the {@code cli} module's.
 */
package dev.stylegrad.style;
