/**
 * A thin, checked layer over ND4J's {@code INDArray}: shape and dtype checks with messages that name the op and the
 * argument, backend detection and reporting, the switches that choose kernels, read in one place
 * ({@link dev.stylegrad.tensor.KernelConfig}), owners for off-heap memory ({@link dev.stylegrad.tensor.MemoryScope}),
 * and the numeric kernels the autodiff ops call ({@link dev.stylegrad.tensor.Kernels}: libnd4j ops, Java loops over
 * native memory, and oneDNN called directly through its JavaCPP bindings for float32 convolutions and products).
 *
 * <p>Threads: every kernel in {@link dev.stylegrad.tensor.Kernels} may be called from several threads at once and
 * gives each caller exactly what it gives on one thread, on every CPU: oneDNN primitives are cached and shared but
 * made in oneDNN's user scratchpad mode, each call bringing its own scratchpad from the calling thread's memory scope
 * (see {@code OneDnn}); frozen-weight copies are made once under a lock; oneDNN streams, memory scopes and their pools
 * are per thread. An array lent by a {@link dev.stylegrad.tensor.MemoryScope} belongs to that thread's scope: another
 * thread may read it while the scope is open, never after it closes. {@link dev.stylegrad.tensor.Backend} reports the
 * instruction set oneDNN's kernels dispatch to ({@code kernels=avx2}, {@code avx512_core_bf16}, …).
 *
 * <p>Nothing here knows about gradients or tapes; that lives one module up, in {@code dev.stylegrad.autograd}.
 */
package dev.stylegrad.tensor;
