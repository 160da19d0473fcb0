package dev.stylegrad.bench;

import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gram matrix {@code G = F·Fᵀ} of the five style layers' feature maps F [C, M] at 256² input (the first five shapes)
 * and 512² input (the last four, and 512x1024): oneDNN's matmul (what the library uses), libnd4j's GEMM (OpenBLAS),
 * OpenBLAS syrk (half the multiply-adds, with and without mirroring the triangle), and plain Java. Time per Gram; GFLOP/s = 2·C²·M / time for every variant
 * (the useful work, though syrk does about half), see {@link GramCheck}, which also prints each variant's error.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class GramBenchmark {
    // relu1_1 … relu5_1 at 256² input, then at 512² (whose relu5_1, 512x1024, is 256²'s relu4_1: listed once).
    @Param({"64x65536", "128x16384", "256x4096", "512x1024", "512x256",
        "64x262144", "128x65536", "256x16384", "512x4096"})
    public String shape;

    private int c, m;
    private INDArray f3;     // [1, C, M] for Kernels.gram
    private INDArray f2;     // [C, M], same values, for syrk
    private INDArray out;    // [C, C] syrk output
    private float[] fj;      // [C·M] for the Java kernel
    private float[] outJ;
    private ExecutorService pool;
    private int threads;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.reportBackendOnce();
        int[] s = VggShapes.parseShape(shape);
        c = s[0];
        m = s[1];
        fj = GramKernels.randomFeatures(c, m, 42);
        f2 = Nd4j.create(fj, new long[] {c, m}, 'c');
        f3 = f2.reshape('c', 1, c, m);
        out = Nd4j.create(DataType.FLOAT, c, c);
        outJ = new float[c * c];
        threads = Runtime.getRuntime().availableProcessors();
        pool = Executors.newFixedThreadPool(threads, BenchSupport.daemonThreads("gram-java"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    /**
     * What the library does ({@link Kernels#gram}): oneDNN's matmul, a full GEMM on the same threads as the
     * convolutions. Results live in a memory scope, as in a style step, so the benchmark neither leaks off-heap
     * memory nor waits for the GC.
     */
    @Benchmark
    public INDArray onednnMatmul() {
        try (MemoryScope scope = MemoryScope.open("bench-gram")) {
            return GramKernels.library(f3);
        }
    }

    /** libnd4j's matmul op with the second operand transposed (OpenBLAS sgemm, a full GEMM). */
    /** The library's bf16 Gram ({@code --precision bf16}): F rounded once, oneDNN's bf16 matmul; only on CPUs with bf16. */
    @Benchmark
    public INDArray onednnMatmulBf16() {
        try (MemoryScope scope = MemoryScope.open("bench-gram")) {
            return dev.stylegrad.tensor.Kernels.gram(f3, dev.stylegrad.tensor.Precision.BF16);
        }
    }

    @Benchmark
    public INDArray nd4jGemm() {
        try (MemoryScope scope = MemoryScope.open("bench-gram")) {
            return GramKernels.gemm(f3);
        }
    }

    /** OpenBLAS ssyrk (upper triangle) plus mirroring into the lower: the same full G. */
    @Benchmark
    public INDArray syrk() {
        GramKernels.syrk(f2, out, true);
        return out;
    }

    /** ssyrk alone: what a loss that reads only the upper triangle would pay. */
    @Benchmark
    public INDArray syrkUpperOnly() {
        GramKernels.syrk(f2, out, false);
        return out;
    }

    /** Plain Java, threads over row tiles. */
    @Benchmark
    public float[] javaBlocked() {
        GramKernels.java(fj, c, m, outJ, pool, threads);
        return outJ;
    }
}
