package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.OneDnn.check;
import static dev.stylegrad.tensor.OneDnn.desc;
import static dev.stylegrad.tensor.OneDnn.execute;
import static dev.stylegrad.tensor.OneDnn.reorderOrNull;
import static org.bytedeco.dnnl.global.dnnl.*;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 convolutions (forward, optionally with a fused ReLU, and input gradient) through oneDNN's C API, with every
 * oneDNN primitive built once per shape and reused.
 *
 * <p>Why not libnd4j's conv2d, which calls the same oneDNN kernels: libnd4j builds the primitive, its reorders and
 * their buffers anew on every call (fresh memory, so page faults too), and for some shapes picks slower kernels. The
 * same kernels called through cached primitives measured 0.55-0.95x libnd4j's time per VGG19 layer, with identical
 * results (see benchmarks/RESULTS.md).
 *
 * <p>Our arrays stay NCHW/OIHW; each call reorders its operands into the blocked layouts oneDNN's kernels want and
 * the result back, through scratch arrays taken from the current {@link MemoryScope} and handed back before it
 * returns. Weights are reordered on every call unless they were registered with {@link #freeze}: then the forward
 * convolutions keep their reordered copy for as long as the weights are reachable (measured: the forward reorders
 * cost ~2% of a 256² step). Input gradients still reorder on every call, so a frozen network is held twice, not
 * three times (peak RSS of a 256² VGG19 step: 548 MB against 578 MB with both copies kept, times within noise).
 *
 * <p>Only the CPU backend with the JavaCPP dnnl binaries on the class path; anything else ({@link #supports} false)
 * takes libnd4j's path. {@code -Dstylegrad.onednn=false} ({@link KernelConfig}) turns this path off, for A/B comparisons.
 */
final class OneDnnConvolution {
    private OneDnnConvolution() {}

    private static final Logger LOG = LoggerFactory.getLogger(OneDnnConvolution.class);
    private static final Map<PlanKey, Plan> PLANS = new ConcurrentHashMap<>();
    private static final Set<PlanKey> UNBUILDABLE = ConcurrentHashMap.newKeySet();

    enum Kind { FORWARD, FORWARD_RELU, INPUT_GRADIENT, WEIGHT_GRADIENT }

    /**
     * Everything a primitive depends on: the kind, the input [n,c,h,w], the weight [o,c,kh,kw], the spec, bias or not,
     * whether its operands are read as bfloat16, and whether oneDNN's Winograd algorithm computes it.
     */
    record PlanKey(Kind kind, long n, long c, long h, long w, long o, long kh, long kw, Conv2dSpec spec, boolean bias, boolean bf16,
            boolean winograd) {
        PlanKey direct() {
            return new PlanKey(kind, n, c, h, w, o, kh, kw, spec, bias, bf16, false);
        }

        PlanKey withWinograd() {
            return new PlanKey(kind, n, c, h, w, o, kh, kw, spec, bias, bf16, true);
        }
    }

    /** Null if this path is usable in this JVM, else why not. */
    static String unavailableReason() {
        return OneDnn.UNAVAILABLE;
    }

    /**
     * True iff this path runs the convolution: oneDNN loaded, all arrays float32 and dense c-order. Dilation and
     * stride are oneDNN's to handle, so every {@link Conv2dSpec} is supported.
     */
    static boolean supports(INDArray input, INDArray weight, INDArray bias) {
        if (OneDnn.UNAVAILABLE != null || input.dataType() != DataType.FLOAT) return false;
        return bias == null ? HostKernels.supports(input, weight) : HostKernels.supports(input, weight, bias);
    }

    // ------------------------------------------------------------------------------------------------ calls

    /**
     * conv2d(input, weight) + bias, ReLU'd if asked, into a new array of {@code outShape} from the current scope; null
     * if oneDNN has no kernel for this shape (the caller then takes libnd4j's path). With {@code bf16} the input and
     * weight are read as bfloat16 (rounded to nearest even), the sums and the result are float32.
     */
    static INDArray forward(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec, boolean relu, long[] outShape, boolean bf16) {
        Plan plan = plan(relu ? Kind.FORWARD_RELU : Kind.FORWARD, input.shape(), weight.shape(), spec, bias != null, outShape, bf16,
                FrozenWeights.isFrozen(weight));
        return plan == null ? null : plan.run(input, weight, bias, outShape);
    }

    static INDArray forward(INDArray input, INDArray weight, INDArray bias, Conv2dSpec spec, boolean relu, long[] outShape) {
        return forward(input, weight, bias, spec, relu, outShape, false);
    }

    /**
     * Gradient of the convolution's input given its output's, into a new array of {@code inputShape}; null as
     * {@link #forward}. With {@code bf16} the output gradient and weight are read as bfloat16, the result is float32.
     */
    static INDArray inputGradient(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec, boolean bf16) {
        Plan plan = plan(Kind.INPUT_GRADIENT, inputShape, weight.shape(), spec, false, gradOut.shape(), bf16, false);
        return plan == null ? null : plan.run(gradOut, weight, null, inputShape);
    }

    static INDArray inputGradient(INDArray gradOut, INDArray weight, long[] inputShape, Conv2dSpec spec) {
        return inputGradient(gradOut, weight, inputShape, spec, false);
    }

    /**
     * Gradient of the convolution's weights given its input and its output's gradient, into a new OIHW array of
     * {@code weightShape}; null as {@link #forward}. Float32 throughout (a network being trained).
     */
    static INDArray weightGradient(INDArray input, INDArray gradOut, long[] weightShape, Conv2dSpec spec) {
        Plan plan = plan(Kind.WEIGHT_GRADIENT, input.shape(), weightShape, spec, false, gradOut.shape(), false, false);
        return plan == null ? null : plan.runWeightGradient(input, gradOut, weightShape);
    }

    /**
     * Registers {@code weight} as never changing again, so its reorder into the forward convolution's layout is made
     * once and kept (one copy per layout, freed with the weight) instead of redone on every call. Changing a frozen array's values
     * afterwards leaves convolutions using the old ones.
     */
    static void freeze(INDArray weight) {
        if (OneDnn.UNAVAILABLE != null || weight.dataType() != DataType.FLOAT) return;
        FrozenWeights.register(weight);
    }

    /**
     * Upper bound of the scratch one call of this shape takes from the memory scope besides its result: the
     * operands' and result's copies in oneDNN's blocked layouts (their size depends on the CPU: channels are padded to
     * blocks of 8 on AVX2 and 16 on AVX-512) and the kernel's scratchpad, as oneDNN reports them; 0 if oneDNN cannot
     * run this shape.
     */
    static long scratchBytes(boolean inputGradient, long[] inputShape, long[] weightShape, Conv2dSpec spec, long[] outShape) {
        Plan p = plan(inputGradient ? Kind.INPUT_GRADIENT : Kind.FORWARD_RELU, inputShape, weightShape, spec, false, outShape, false, !inputGradient);
        if (p == null) return 0;
        long floats = 0;
        if (p.fromReorder != null) floats += (p.fromInnerBytes + 3) / 4 + pad(p.fromReorder);
        if (p.weightReorder != null) floats += (p.weightInnerBytes + 3) / 4 + pad(p.weightReorder);
        if (p.toReorder != null) floats += (p.toInnerBytes + 3) / 4 + pad(p.toReorder);
        return 4 * (floats + pad(p.primitive));
    }

    private static long pad(OneDnn.Kernel k) {
        return k.scratchpadBytes() == 0 ? 0 : OneDnn.scratchpadFloats(k.scratchpadBytes());
    }

    /**
     * The cached plan for these shapes, built on first use, by the algorithm {@link KernelConfig#convAlgorithm()} picks
     * for them; null if oneDNN cannot build a direct one (remembered, logged once). A Winograd plan oneDNN cannot build
     * falls back to the direct one. {@code frozenWeight}: the forward pass's weight is {@link #freeze frozen}.
     */
    private static Plan plan(Kind kind, long[] in, long[] w, Conv2dSpec spec, boolean bias, long[] out, boolean bf16, boolean frozenWeight) {
        PlanKey key = new PlanKey(kind, in[0], in[1], in[2], in[3], w[0], w[2], w[3], spec, bias, bf16, false);
        if (WinogradChoice.wanted(key, frozenWeight)) {
            Plan p = plan(key.withWinograd(), out, true);
            if (p != null) return p;
        }
        return plan(key, out, false);
    }

    private static Plan plan(PlanKey key, long[] out, boolean quietly) {
        Plan plan = PLANS.get(key);
        if (plan != null || UNBUILDABLE.contains(key)) return plan;
        try {
            return PLANS.computeIfAbsent(key, k -> {
                OneDnn.Observer o = OneDnn.observer;
                if (o != null) o.buildingConvolution(k);
                return new Plan(k, out);
            });
        } catch (IllegalStateException e) {
            if (UNBUILDABLE.add(key) && !quietly) LOG.warn("no oneDNN convolution for {}; using libnd4j's: {}", key, e.getMessage());
            return null;
        }
    }

    /** Null if oneDNN has Winograd convolutions in this process, else one sentence saying why not. */
    static String winogradUnavailableReason() {
        return WinogradChoice.UNAVAILABLE;
    }

    /** True iff oneDNN's Winograd kernels would compute this convolution (for tests and benchmarks: what ran). */
    static boolean runsWinograd(boolean inputGradient, long[] inputShape, long[] weightShape, Conv2dSpec spec, long[] outShape) {
        Plan p = plan(inputGradient ? Kind.INPUT_GRADIENT : Kind.FORWARD_RELU, inputShape, weightShape, spec, false, outShape, false, !inputGradient);
        return p != null && p.winograd;
    }

    private static void ran() {
        OneDnn.Observer o = OneDnn.observer;
        if (o != null) o.ranConvolution();
    }

    // ------------------------------------------------------------------------------------------------ plans

    /**
     * One primitive and its reorders. {@code from} is what the call reads (input, or output gradient), {@code to}
     * what it writes; both in the user's NCHW layout outside and in oneDNN's chosen layout inside.
     */
    private static final class Plan {
        final Kind kind;
        final boolean winograd;
        final OneDnn.Kernel primitive;
        final dnnl_memory_desc_t fromUser, weightUser, toUser, biasUser;
        final dnnl_memory_desc_t fromInner, weightInner, toInner;
        final OneDnn.Kernel fromReorder, weightReorder, toReorder; // null where the layouts already agree
        final long fromInnerBytes, weightInnerBytes, toInnerBytes;
        // Weight gradients only: the output gradient read besides the input (from) and written to the weights (to).
        final dnnl_memory_desc_t gradOutUser, gradOutInner;
        final OneDnn.Kernel gradOutReorder;
        final long gradOutInnerBytes;
        // Kept so the native descriptors the memory descs point into stay alive as long as the plan.
        @SuppressWarnings("unused") private final Object[] owned;

        Plan(PlanKey k, long[] outShape) {
            kind = k.kind;
            winograd = k.winograd;
            long[] src = {k.n, k.c, k.h, k.w}, wei = {k.o, k.c, k.kh, k.kw};
            long[] dst = outShape; // for the input gradient, the shape of the output gradient: the same
            long[] strides = {k.spec.strideH(), k.spec.strideW()};
            long[] dilates = {k.spec.dilationH() - 1L, k.spec.dilationW() - 1L}; // oneDNN counts dilation from 0
            long[] padL = {k.spec.padH(), k.spec.padW()};
            long[] padR = {
                (dst[2] - 1) * k.spec.strideH() + (k.kh - 1) * k.spec.dilationH() + 1 - k.h - k.spec.padH(),
                (dst[3] - 1) * k.spec.strideW() + (k.kw - 1) * k.spec.dilationW() + 1 - k.w - k.spec.padW()};
            // What the kernel reads is bfloat16 in bf16 plans; what it writes (and the bias) always float32.
            int read = k.bf16 ? dnnl_bf16 : dnnl_f32;
            boolean grad = kind == Kind.INPUT_GRADIENT;
            dnnl_memory_desc_t srcAny = desc(src, grad ? dnnl_f32 : read, dnnl_format_tag_any);
            dnnl_memory_desc_t weiAny = desc(wei, read, dnnl_format_tag_any);
            dnnl_memory_desc_t dstAny = desc(dst, grad ? read : dnnl_f32, dnnl_format_tag_any);
            dnnl_memory_desc_t biasDesc = k.bias ? desc(new long[] {k.o}, dnnl_x) : null;

            // The input gradient's kernel is chosen with a forward one as its hint: one reading what a forward
            // convolution at this precision reads.
            dnnl_memory_desc_t hintSrc = grad ? desc(src, read, dnnl_format_tag_any) : srcAny;
            dnnl_memory_desc_t hintDst = grad ? desc(dst, dnnl_f32, dnnl_format_tag_any) : dstAny;
            dnnl_convolution_desc_t forwardDesc = new dnnl_convolution_desc_t();
            int prop = grad || kind == Kind.WEIGHT_GRADIENT ? dnnl_forward_training : dnnl_forward_inference;
            int algorithm = k.winograd ? dnnl_convolution_winograd : dnnl_convolution_direct;
            check(dnnl_dilated_convolution_forward_desc_init(forwardDesc, prop, algorithm, hintSrc, weiAny,
                    biasDesc, hintDst, strides, dilates, padL, padR), "describing the convolution");
            dnnl_primitive_attr attr = OneDnn.attributes();
            dnnl_post_ops postOps = new dnnl_post_ops();
            check(dnnl_post_ops_create(postOps), "creating post-ops");
            if (kind == Kind.FORWARD_RELU) {
                check(dnnl_post_ops_append_eltwise(postOps, 1f, dnnl_eltwise_relu, 0f, 0f), "adding the fused ReLU");
                check(dnnl_primitive_attr_set_post_ops(attr, postOps), "setting the fused ReLU");
            }
            dnnl_primitive_desc forwardPd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(forwardPd, new const_dnnl_op_desc_t(forwardDesc), attr, OneDnn.engine(), null),
                    "choosing a convolution kernel");
            dnnl_primitive_desc pd = forwardPd;
            boolean weightGrad = kind == Kind.WEIGHT_GRADIENT;
            if (weightGrad) {
                dnnl_convolution_desc_t backwardDesc = new dnnl_convolution_desc_t();
                check(dnnl_dilated_convolution_backward_weights_desc_init(backwardDesc, dnnl_convolution_direct, srcAny, weiAny, null,
                        dstAny, strides, dilates, padL, padR), "describing the weight gradient");
                pd = new dnnl_primitive_desc();
                check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(backwardDesc), OneDnn.userScratchpad(), OneDnn.engine(), forwardPd),
                        "choosing a weight-gradient kernel");
            } else if (grad) {
                dnnl_convolution_desc_t backwardDesc = new dnnl_convolution_desc_t();
                check(dnnl_dilated_convolution_backward_data_desc_init(backwardDesc, algorithm, srcAny, weiAny,
                        dstAny, strides, dilates, padL, padR), "describing the input gradient");
                pd = new dnnl_primitive_desc();
                check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(backwardDesc), OneDnn.userScratchpad(), OneDnn.engine(), forwardPd),
                        "choosing an input-gradient kernel");
            }
            primitive = OneDnn.kernel(pd, "the convolution primitive");

            biasUser = biasDesc;
            if (weightGrad) {
                fromUser = desc(src, dnnl_nchw);
                fromInner = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
                gradOutUser = desc(dst, dnnl_nchw);
                gradOutInner = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0);
                toUser = desc(wei, dnnl_oihw);
                toInner = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0);
                weightUser = weightInner = null;
                weightReorder = null;
                weightInnerBytes = 0;
                gradOutReorder = reorderOrNull(gradOutUser, gradOutInner);
                gradOutInnerBytes = dnnl_memory_desc_get_size(gradOutInner);
            } else {
                fromUser = desc(grad ? dst : src, dnnl_nchw);
                toUser = desc(grad ? src : dst, dnnl_nchw);
                weightUser = desc(wei, dnnl_oihw);
                fromInner = dnnl_primitive_desc_query_md(pd, grad ? dnnl_query_diff_dst_md : dnnl_query_src_md, 0);
                toInner = dnnl_primitive_desc_query_md(pd, grad ? dnnl_query_diff_src_md : dnnl_query_dst_md, 0);
                weightInner = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
                weightReorder = reorderOrNull(weightUser, weightInner);
                weightInnerBytes = dnnl_memory_desc_get_size(weightInner);
                gradOutUser = gradOutInner = null;
                gradOutReorder = null;
                gradOutInnerBytes = 0;
            }
            fromReorder = reorderOrNull(fromUser, fromInner);
            toReorder = reorderOrNull(toInner, toUser);
            fromInnerBytes = dnnl_memory_desc_get_size(fromInner);
            toInnerBytes = dnnl_memory_desc_get_size(toInner);
            owned = new Object[] {forwardPd, pd, attr, postOps, forwardDesc, hintSrc, hintDst};
        }

        /** The weight gradient from the input and the output gradient, as a new OIHW array from the current scope. */
        INDArray runWeightGradient(INDArray input, INDArray gradOut, long[] weightShape) {
            dnnl_stream stream = OneDnn.stream();
            try (OneDnn.Memories m = new OneDnn.Memories()) {
                dnnl_memory srcMem = m.wrap(fromUser, input);
                if (fromReorder != null) srcMem = m.reorder(stream, fromReorder, srcMem, fromInner, fromInnerBytes);
                dnnl_memory gradMem = m.wrap(gradOutUser, gradOut);
                if (gradOutReorder != null) gradMem = m.reorder(stream, gradOutReorder, gradMem, gradOutInner, gradOutInnerBytes);
                INDArray to = toReorder == null ? MemoryScope.allocate(DataType.FLOAT, weightShape) : null;
                dnnl_memory toMem = to != null ? m.wrap(toUser, to) : m.scratch(toInner, toInnerBytes);
                execute(stream, primitive, DNNL_ARG_SRC, srcMem, DNNL_ARG_DIFF_DST, gradMem, DNNL_ARG_DIFF_WEIGHTS, toMem);
                ran();
                return to != null ? to : reorderedResult(m, stream, toMem, weightShape);
            }
        }

        /**
         * Reads {@code from} (and weight, bias) and returns the result, a new array of {@code toShape} from the
         * current scope. Each scratch array goes back as soon as its last reader has run, before the result is taken,
         * so the pool can hand the same buffer out again within this call.
         */
        INDArray run(INDArray from, INDArray weight, INDArray bias, long[] toShape) {
            dnnl_stream stream = OneDnn.stream();
            try (OneDnn.Memories m = new OneDnn.Memories()) {
                dnnl_memory fromMem = m.wrap(fromUser, from);
                if (fromReorder != null) fromMem = m.reorder(stream, fromReorder, fromMem, fromInner, fromInnerBytes);
                dnnl_memory weightMem;
                // Input gradients reorder the weight on every call: a kept copy in their layout too would hold the
                // frozen network a third time (+52 MB for VGG19 to relu5_1) to save ~1% of a 256² step.
                INDArray frozen = weightReorder == null || kind == Kind.INPUT_GRADIENT ? null : FrozenWeights.copy(weight, this, stream);
                if (frozen != null) {
                    weightMem = m.wrap(weightInner, frozen);
                } else {
                    weightMem = m.wrap(weightUser, weight);
                    if (weightReorder != null) weightMem = m.reorder(stream, weightReorder, weightMem, weightInner, weightInnerBytes);
                }
                INDArray to = toReorder == null ? MemoryScope.allocate(DataType.FLOAT, toShape) : null;
                dnnl_memory toMem = to != null ? m.wrap(toUser, to) : m.scratch(toInner, toInnerBytes);
                if (kind == Kind.INPUT_GRADIENT) {
                    execute(stream, primitive, DNNL_ARG_DIFF_DST, fromMem, DNNL_ARG_WEIGHTS, weightMem, DNNL_ARG_DIFF_SRC, toMem);
                } else if (bias == null) {
                    execute(stream, primitive, DNNL_ARG_SRC, fromMem, DNNL_ARG_WEIGHTS, weightMem, DNNL_ARG_DST, toMem);
                } else {
                    execute(stream, primitive, DNNL_ARG_SRC, fromMem, DNNL_ARG_WEIGHTS, weightMem, DNNL_ARG_BIAS,
                            m.wrap(biasUser, bias), DNNL_ARG_DST, toMem);
                }
                ran();
                return to != null ? to : reorderedResult(m, stream, toMem, toShape);
            }
        }

        /**
         * The kernel's result {@code toMem} (in its own layout) reordered into a new NCHW/OIHW array of {@code shape}
         * from the current scope; every other scratch of the call goes back to the pool first, so the result may
         * reuse one of their buffers.
         */
        private INDArray reorderedResult(OneDnn.Memories m, dnnl_stream stream, dnnl_memory toMem, long[] shape) {
            m.releaseScratchExceptLast();
            INDArray to = MemoryScope.allocate(DataType.FLOAT, shape);
            execute(stream, toReorder, DNNL_ARG_FROM, toMem, DNNL_ARG_TO, m.wrap(toUser, to));
            return to;
        }
    }

    /**
     * Frozen weights and their reordered copies, by the weight array's identity (INDArray's equals compares values).
     * Entries go when their weight is garbage collected; the copies live outside every memory scope.
     */
    private static final class FrozenWeights {
        private static final ReferenceQueue<INDArray> COLLECTED = new ReferenceQueue<>();
        private static final Map<IdentityKey, List<Copy>> COPIES = new ConcurrentHashMap<>();

        private record Copy(dnnl_memory_desc_t layout, INDArray data) {}

        static void register(INDArray weight) {
            purge();
            COPIES.putIfAbsent(new IdentityKey(weight, COLLECTED), new CopyOnWriteArrayList<>());
        }

        /** The weight reordered into {@code plan}'s layout if the weight is frozen (made on first use), else null. */
        static INDArray copy(INDArray weight, Plan plan, dnnl_stream stream) {
            if (COPIES.isEmpty()) return null;
            List<Copy> copies = COPIES.get(new IdentityKey(weight, null));
            if (copies == null) return null;
            for (Copy c : copies) if (dnnl_memory_desc_equal(c.layout, plan.weightInner) != 0) return c.data;
            synchronized (copies) {
                for (Copy c : copies) if (dnnl_memory_desc_equal(c.layout, plan.weightInner) != 0) return c.data;
                INDArray data = MemoryScope.outside(() -> Nd4j.createUninitialized(DataType.FLOAT, (plan.weightInnerBytes + 3) / 4));
                try (OneDnn.Memories m = new OneDnn.Memories()) {
                    execute(stream, plan.weightReorder, DNNL_ARG_FROM, m.wrap(plan.weightUser, weight), DNNL_ARG_TO,
                            m.wrap(plan.weightInner, data));
                }
                copies.add(new Copy(plan.weightInner, data));
                return data;
            }
        }

        static boolean isFrozen(INDArray weight) {
            return !COPIES.isEmpty() && COPIES.containsKey(new IdentityKey(weight, null));
        }

        private static void purge() {
            for (Reference<? extends INDArray> r; (r = COLLECTED.poll()) != null; ) {
                List<Copy> gone = COPIES.remove(r);
                if (gone != null) for (Copy c : gone) c.data.close();
            }
        }
    }
}
