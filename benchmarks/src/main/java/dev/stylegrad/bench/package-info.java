/**
 * Benchmarks (JMH) of the kernels a style step spends its time in, at VGG19's real shapes, and of one whole step;
 * plus the small programs the PyTorch comparison runner ({@code benchmarks/compare.sh}) drives.
 *
 * <ul>
 *   <li>{@link dev.stylegrad.bench.GramBenchmark}: Gram matrices F·Fᵀ by ND4J gemm, OpenBLAS syrk, and plain Java;
 *       {@link dev.stylegrad.bench.GramCheck} prints their GFLOP/s and error against float64.</li>
 *   <li>{@link dev.stylegrad.bench.ConvBenchmark}: the 16 VGG19 convolutions, forward (oneDNN, im2col+GEMM, NHWC) and
 *       input gradient (transposed convolution vs the full {@code conv2d_bp}).</li>
 *   <li>{@link dev.stylegrad.bench.StyleStepBenchmark} and {@link dev.stylegrad.bench.StepTimer}: one Adam step of
 *       the course objective on a random-weight, full-width VGG19.</li>
 * </ul>
 *
 * Nothing here is used by the library; the package depends on everything and nothing depends on it.
 */
package dev.stylegrad.bench;
