/**
 * A thin, checked layer over ND4J's {@code INDArray}: shape and dtype checks with messages that name the op and the
 * argument, backend detection and reporting, owners for off-heap memory ({@link dev.stylegrad.tensor.MemoryScope}),
 * NumPy {@code .npy} IO, and the numeric kernels the autodiff ops call ({@link dev.stylegrad.tensor.Kernels}: libnd4j
 * ops, Java loops over native memory, and oneDNN called directly through its JavaCPP bindings for float32
 * convolutions and products).
 *
 * <p>Nothing here knows about gradients or tapes; that lives one module up, in {@code dev.stylegrad.autograd}.
 */
package dev.stylegrad.tensor;
