/**
 * Tensors in and out of files, for every module that reads or writes them, without the autodiff engine: PyTorch
 * checkpoints in both serializations (zip, torch ≥ 1.6; legacy, as in torchvision's published 2017 VGG19),
 * safetensors (read and write), NumPy {@code .npy}, atomic file replacement ({@link dev.stylegrad.io.AtomicFiles}),
 * sha256 checksums and the resumable download of published weights ({@link dev.stylegrad.io.WeightsDownloader}).
 *
 * <p>Entry points: {@link dev.stylegrad.io.WeightsFiles#open} (format chosen by content),
 * {@link dev.stylegrad.io.WeightsReader} (metadata on open, one tensor's bytes per {@code read}) and
 * {@link dev.stylegrad.io.SafetensorsWriter}.
 *
 * <p>Safety rules every reader here follows: pickles are interpreted by a {@code RestrictedUnpickler} that knows only
 * the globals a state dict needs ({@code TorchGlobal}) and executes nothing; every length read from a file is checked
 * against the bytes left before anything is allocated; stack, nesting, memo and container sizes are bounded; nothing
 * walks pickled values recursively; and every problem, from truncation to a forbidden global, surfaces as a
 * {@link dev.stylegrad.io.WeightsFormatException} naming the file, what was expected and what was found.
 */
package dev.stylegrad.io;
