/**
 * Optimizers over one flat parameter array (the image): {@link dev.stylegrad.style.optim.Adam} with PyTorch's
 * semantics and {@link dev.stylegrad.style.optim.Lbfgs} as Gatys et al. and the classic tools use it. Both update the
 * parameters in place and keep their state in arrays allocated once, outside any per-step memory scope.
 */
package dev.stylegrad.style.optim;
