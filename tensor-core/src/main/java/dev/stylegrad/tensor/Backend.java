package dev.stylegrad.tensor;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Which ND4J backend is loaded (CPU or CUDA), which native build of it, how many threads it uses and, on the CPU,
 * which instruction set oneDNN's kernels dispatch to, with the kernel switches ({@link KernelConfig}); reported once
 * at start so every log and benchmark says what it ran on. The kernel ISA matters: the same build picks other kernels
 * on an AVX2 and an AVX-512 CPU, and {@code DNNL_MAX_CPU_ISA=AVX2} caps it.
 *
 * @param device {@code cpu} or {@code cuda}
 * @param library the ND4J backend artifact and its native build, e.g. {@code nd4j-native onednn-avx2}
 * @param threads ND4J's threads ({@code maxMasterThreads})
 * @param kernelIsa the instruction set oneDNN's kernels dispatch to, empty where oneDNN is not loaded
 * @param gram the Gram-matrix product chosen ({@link KernelConfig#gram()})
 * @param hostThreads the threads of the Java max-pooling and ReLU loops ({@link KernelConfig#hostThreads()})
 * @param convAlgorithm how 3×3 convolutions are computed ({@link KernelConfig#convAlgorithm()})
 */
public record Backend(String device, String library, int threads, String kernelIsa, KernelConfig.Gram gram, int hostThreads,
        ConvAlgorithm convAlgorithm) {

    /** Detects the loaded backend. Loading ND4J's native library happens here if it has not yet. */
    public static Backend current() {
        boolean cpu = Nd4j.getEnvironment().isCPU();
        String device = cpu ? "cpu" : "cuda";
        String artifact = cpu ? "nd4j-native" : "nd4j-cuda";
        String build = nativeBuild(cpu);
        int threads = Nd4j.getEnvironment().maxMasterThreads();
        String isa = cpu && OneDnn.UNAVAILABLE == null ? OneDnn.effectiveIsa() : "";
        return new Backend(device, artifact + (build.isEmpty() ? "" : " " + build), threads, isa, KernelConfig.gram(),
                KernelConfig.hostThreads(), KernelConfig.convAlgorithm());
    }

    /**
     * Caps the threads ND4J's kernels use (both its own pool and OpenMP), as ND4J takes it (at most the CPU's cores),
     * and the threads of the Java max-pooling and ReLU loops ({@link KernelConfig#hostThreads()}) at the same number:
     * a cap, not a raise, since those loops measured faster on one thread than two inside a style step on two cores
     * (benchmarks/RESULTS.md). Call before heavy work starts; n must be at least 1.
     */
    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be at least 1, got " + n);
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        KernelConfig.setHostThreads(Math.min(KernelConfig.configuredHostThreads(), Math.max(1, Nd4j.getEnvironment().maxMasterThreads())));
    }

    /**
     * Chooses how the float32 3×3 convolutions run from now on ({@link ConvAlgorithm}); kernels already chosen for a
     * layer shape keep their choice, so call before heavy work starts.
     *
     * @throws UnsupportedOperationException if {@code a} cannot run here ({@link ConvAlgorithm#unavailableReason})
     */
    public static void setConvAlgorithm(ConvAlgorithm a) {
        a.requireAvailable();
        KernelConfig.setConvAlgorithm(a);
    }

    /**
     * One line, e.g. {@code backend=cpu (nd4j-native onednn-avx2), threads=2, kernels=avx512_core_bf16, gram=auto,
     * host-threads=2, conv=auto}; the kernels part is missing where oneDNN is not loaded (other backends) and reads
     * {@code onednn=off} under {@code -Dstylegrad.onednn=false}; on the CPU, when oneDNN failed to load, the line ends
     * with why.
     */
    public String report() {
        String line = "backend=" + device + " (" + library + "), threads=" + threads
                + (!kernelIsa.isEmpty() ? ", kernels=" + kernelIsa : KernelConfig.oneDnnEnabled() ? "" : ", onednn=off")
                + ", gram=" + gram.propertyValue() + ", host-threads=" + hostThreads + ", conv=" + convAlgorithm.cliName();
        // Say so when oneDNN failed to load on the CPU: everything still runs, on libnd4j's kernels, 2-3x slower
        // (measured: a hand-made classpath missing the OpenCL natives jar cost a training run 2.5x).
        if (device.equals("cpu") && kernelIsa.isEmpty() && OneDnn.UNAVAILABLE != null && !OneDnn.UNAVAILABLE.startsWith("turned off")) {
            line += "; oneDNN kernels unavailable, running slower fallbacks (" + OneDnn.UNAVAILABLE + ")";
        }
        return line;
    }

    @Override
    public String toString() {
        return report();
    }

    // libnd4j's build info lists its helper libraries (HAVE_ONEDNN, HAVE_CUDNN); its binary level says which
    // instruction set the loaded build targets (2 = AVX/AVX2, 3 = AVX-512, as ND4J's own start-up log reads it), so together they name the native build.
    private static String nativeBuild(boolean cpu) {
        String info;
        int level;
        try {
            var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
            info = ops.buildInfo();
            level = ops.binaryLevel();
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
        if (!cpu) return info.contains("HAVE_CUDNN") ? "cudnn" : "";
        String helper = info.contains("HAVE_ONEDNN") ? "onednn" : "";
        String isa = level == 2 ? "avx2" : level == 3 ? "avx512" : "";
        return helper.isEmpty() ? isa : isa.isEmpty() ? helper : helper + "-" + isa;
    }
}
