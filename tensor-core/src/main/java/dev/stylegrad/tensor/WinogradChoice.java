package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.OneDnn.desc;
import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * Whether a convolution plan uses oneDNN's Winograd algorithm, by {@link KernelConfig#convAlgorithm()}: never for
 * weight gradients, bfloat16 products or anything but 3×3, stride 1, no dilation; never where oneDNN has no Winograd
 * kernels ({@link #UNAVAILABLE}); for forward passes, only with frozen weights. oneDNN's Winograd forward kernel reads
 * its weights already transformed, and that transform (its "wino" reorder) is slow: 97 ms for a 512×256 layer on
 * Zen 4, ten times the layer's own time at 40×40. Frozen weights pay it once; a network in training would pay it on
 * every call. Input gradients transform inside the kernel and measured fast either way.
 *
 * <p>Under {@link ConvAlgorithm#AUTO} a fixed rule, made from measurements (benchmarks/RESULTS.md, "Winograd"):
 * Winograd for layers with at least {@value #AUTO_MIN_CHANNELS} channels in and out, direct below. Measured on Zen 4
 * at 1024×768 with {@code ConvAlgorithmTimer}: every VGG and AdaIN layer with 64 or more channels on both sides took
 * 0.34–0.48 of the direct time by Winograd; 3→64 took 1.2–1.3×, and small layers lose at small sizes (64→3: 3.1×
 * at 32²). A rule, not a timing per process: a choice made by timing flips between processes where the two are
 * close, and then a resumed run no longer equals the straight one to the last bit (RunCommandKillResumeTest failed
 * that way with per-process timing). The same rule in every process keeps results reproducible on a given CPU.
 */
final class WinogradChoice {
    private WinogradChoice() {}

    /** Null if oneDNN builds Winograd convolutions here, else why not (one sentence). */
    static final String UNAVAILABLE = probe();

    /** The fewest channels, in and out, a layer needs for {@link ConvAlgorithm#AUTO} to choose Winograd. */
    static final long AUTO_MIN_CHANNELS = 32;

    /** True iff {@code key}'s plan (a direct one, by its key) should be a Winograd one; {@code frozenWeight} as the forward pass's. */
    static boolean wanted(OneDnnConvolution.PlanKey key, boolean frozenWeight) {
        if (UNAVAILABLE != null || key.bf16() || key.kind() == OneDnnConvolution.Kind.WEIGHT_GRADIENT) return false;
        if (key.kind() != OneDnnConvolution.Kind.INPUT_GRADIENT && !frozenWeight) return false;
        Conv2dSpec s = key.spec();
        if (key.kh() != 3 || key.kw() != 3 || s.strideH() != 1 || s.strideW() != 1 || s.dilationH() != 1 || s.dilationW() != 1) return false;
        return switch (KernelConfig.convAlgorithm()) {
            case DIRECT -> false;
            case WINOGRAD -> true;
            case AUTO -> key.c() >= AUTO_MIN_CHANNELS && key.o() >= AUTO_MIN_CHANNELS;
        };
    }

    private static String probe() {
        if (OneDnn.UNAVAILABLE != null) return "Winograd convolutions need oneDNN's CPU kernels, which are not in use here (" + OneDnn.UNAVAILABLE + ")";
        long[] src = {1, 64, 32, 32}, wei = {64, 64, 3, 3};
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        int status = dnnl_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_winograd,
                desc(src, dnnl_f32, dnnl_format_tag_any), desc(wei, dnnl_f32, dnnl_format_tag_any), null,
                desc(src, dnnl_f32, dnnl_format_tag_any), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1});
        if (status == dnnl_success) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            status = dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), null, OneDnn.engine(), null);
            if (status == dnnl_success) {
                dnnl_primitive_desc_destroy(pd);
                return null;
            }
        }
        String capped = System.getenv("DNNL_MAX_CPU_ISA");
        return "Winograd convolutions need oneDNN's AVX-512 kernels, and oneDNN dispatches to " + OneDnn.effectiveIsa() + " here"
                + (capped == null ? "" : " (capped by DNNL_MAX_CPU_ISA=" + capped + ")");
    }
}
