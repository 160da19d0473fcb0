package dev.stylegrad.tensor;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the oneDNN kernels share: loading the JavaCPP dnnl bindings, the CPU engine, a stream per thread, wrapping
 * our arrays as oneDNN memory, running primitives, and turning error codes into exceptions.
 *
 * <p>oneDNN runs on the OpenMP runtime libnd4j already loaded (one libgomp in the process, checked with
 * /proc/PID/maps), so its threads are the ones libnd4j's own kernels use.
 *
 * <p>Threads: every primitive is made in oneDNN's <em>user</em> scratchpad mode ({@link #attributes}), and each call
 * brings its own scratchpad from the calling thread's {@link MemoryScope} ({@link #execute}). In the default
 * <em>library</em> mode the binaries we load (built without DNNL_ENABLE_CONCURRENT_EXEC) share one scratchpad among
 * primitives and allow a primitive to run only on the thread that created it; our primitives are cached and shared,
 * so two threads running the same kernel wrote into one scratchpad and got each other's partial sums (seen on
 * AVX-512's brgconv kernels: values off by 31.6 of 50.9). With a scratchpad per call a cached primitive may run on any
 * number of threads at once. Streams are per thread, as oneDNN requires.
 */
final class OneDnn {
    private OneDnn() {}

    /** Why oneDNN cannot be used here (binaries missing, another backend, turned off), or null once it has loaded. */
    static final String UNAVAILABLE;
    private static final dnnl_engine ENGINE;

    static {
        dnnl_engine engine = null;
        String reason;
        if (!KernelConfig.oneDnnEnabled()) {
            reason = "turned off by -D" + KernelConfig.ONEDNN_PROPERTY + "=false";
        } else {
            try {
                if (!Nd4j.getEnvironment().isCPU()) {
                    reason = "not the CPU backend";
                } else {
                    Loader.load(org.bytedeco.dnnl.global.dnnl.class);
                    dnnl_engine e = new dnnl_engine();
                    check(dnnl_engine_create(e, dnnl_cpu, 0), "creating the CPU engine");
                    engine = e;
                    reason = null;
                }
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: no dnnl binaries for this platform
                reason = "oneDNN bindings did not load: " + t;
            }
        }
        UNAVAILABLE = reason;
        ENGINE = engine;
    }

    private static final ThreadLocal<dnnl_stream> STREAM = ThreadLocal.withInitial(OneDnn::newStream);

    /**
     * What a test may watch on this path, through {@link #observer}: each plan about to be built (throwing
     * {@link IllegalStateException} there is handled exactly as oneDNN having no kernel for the shape, so the fallback
     * to libnd4j can be tested) and each call that ran (so a test can prove its calls took this path: a silent
     * fallback gives the same values).
     */
    interface Observer {
        void buildingConvolution(OneDnnConvolution.PlanKey key);

        void ranConvolution();

        void buildingProduct(OneDnnMatmul.Key key);

        void ranProduct();
    }

    /** Null unless a test installed one; read once per call. */
    static volatile Observer observer;

    /**
     * The instruction set oneDNN's CPU kernels dispatch to in this process, e.g. {@code avx2} or
     * {@code avx512_core_amx}: the CPU's best unless capped by {@code DNNL_MAX_CPU_ISA}.
     */
    static String effectiveIsa() {
        int isa = dnnl_get_effective_cpu_isa();
        if (isa == dnnl_cpu_isa_avx512_core_amx) return "avx512_core_amx";
        if (isa == dnnl_cpu_isa_avx512_core_bf16) return "avx512_core_bf16";
        if (isa == dnnl_cpu_isa_avx512_core_vnni) return "avx512_core_vnni";
        if (isa == dnnl_cpu_isa_avx512_core) return "avx512_core";
        if (isa == dnnl_cpu_isa_avx512_mic_4ops) return "avx512_mic_4ops";
        if (isa == dnnl_cpu_isa_avx512_mic) return "avx512_mic";
        if (isa == dnnl_cpu_isa_avx2_vnni) return "avx2_vnni";
        if (isa == dnnl_cpu_isa_avx2) return "avx2";
        if (isa == dnnl_cpu_isa_avx) return "avx";
        if (isa == dnnl_cpu_isa_sse41) return "sse41";
        return "isa-0x" + Integer.toHexString(isa);
    }

    /**
     * Null if oneDNN runs bfloat16 products natively here, else why not (one sentence). Natively means the dispatched
     * instruction set has bfloat16 dot products (avx512_core_bf16, or AMX); oneDNN's emulation of them on plain
     * AVX-512 is slower than float32, so it does not count.
     */
    static String bf16UnavailableReason() {
        return Bf16.REASON;
    }

    private static final class Bf16 {
        static final String REASON = probe();

        private static String probe() {
            if (UNAVAILABLE != null) return "bf16 precision needs oneDNN's CPU kernels, which are not in use here (" + UNAVAILABLE + ")";
            int isa = dnnl_get_effective_cpu_isa();
            if ((isa & dnnl_cpu_isa_avx512_core_bf16) != dnnl_cpu_isa_avx512_core_bf16) {
                String capped = System.getenv("DNNL_MAX_CPU_ISA");
                return "bf16 precision needs a CPU with bfloat16 instructions (avx512_bf16 or amx_bf16 in lscpu), and oneDNN "
                        + "dispatches to " + effectiveIsa() + " here" + (capped == null ? "" : " (capped by DNNL_MAX_CPU_ISA=" + capped + ")");
            }
            return null;
        }
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    /** This thread's stream (oneDNN streams are not to be shared between threads). */
    static dnnl_stream stream() {
        return STREAM.get();
    }

    /** True iff oneDNN is loaded and every array is float32 and dense in c-order (null entries are skipped). */
    static boolean supportsFloat32(INDArray... arrays) {
        if (UNAVAILABLE != null) return false;
        int n = 0;
        for (INDArray a : arrays) if (a != null) n++;
        INDArray[] present = new INDArray[n];
        n = 0;
        for (INDArray a : arrays) {
            if (a == null) continue;
            if (a.dataType() != DataType.FLOAT) return false;
            present[n++] = a;
        }
        return HostKernels.supports(present);
    }

    /** The oneDNN memory objects and scratch arrays of one call, all given back when it ends. */
    static final class Memories implements AutoCloseable {
        private final ArrayList<dnnl_memory> memories = new ArrayList<>(8);
        private final ArrayList<INDArray> scratch = new ArrayList<>(4);

        dnnl_memory wrap(dnnl_memory_desc_t desc, INDArray array) {
            return create(desc, new Pointer(array.data().addressPointer()));
        }

        dnnl_memory scratch(dnnl_memory_desc_t desc, long bytes) {
            return create(desc, new Pointer(scratchArray(bytes).data().addressPointer()));
        }

        /** A scratch array of at least {@code bytes}, from the current scope and given back with the others. */
        INDArray scratchArray(long bytes) {
            INDArray s = MemoryScope.allocate(DataType.FLOAT, (bytes + 3) / 4);
            scratch.add(s);
            return s;
        }

        dnnl_memory reorder(dnnl_stream stream, Kernel reorder, dnnl_memory from, dnnl_memory_desc_t toDesc, long bytes) {
            dnnl_memory to = scratch(toDesc, bytes);
            execute(stream, reorder, DNNL_ARG_FROM, from, DNNL_ARG_TO, to);
            return to;
        }

        private dnnl_memory create(dnnl_memory_desc_t desc, Pointer data) {
            dnnl_memory m = new dnnl_memory();
            check(dnnl_memory_create(m, desc, ENGINE, data), "wrapping an array");
            memories.add(m);
            return m;
        }

        /** Hands back every scratch array but the newest (the one still to be read). */
        void releaseScratchExceptLast() {
            while (scratch.size() > 1) MemoryScope.release(scratch.remove(0));
        }

        @Override
        public void close() {
            for (dnnl_memory m : memories) dnnl_memory_destroy(m);
            for (INDArray s : scratch) MemoryScope.release(s);
        }
    }

    /** Destroys each thread's stream once the thread is gone (nothing else can use it then). */
    private static final java.lang.ref.Cleaner STREAMS = java.lang.ref.Cleaner.create();

    private static dnnl_stream newStream() {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, ENGINE, dnnl_stream_default_flags), "creating a stream");
        LIVE_STREAMS.incrementAndGet();
        STREAMS.register(Thread.currentThread(), () -> {
            dnnl_stream_destroy(s);
            LIVE_STREAMS.decrementAndGet();
        });
        return s;
    }

    private static final java.util.concurrent.atomic.AtomicInteger LIVE_STREAMS = new java.util.concurrent.atomic.AtomicInteger();

    /** Streams made and not yet destroyed (one per thread that has called oneDNN and is still reachable). */
    static int liveStreams() {
        return LIVE_STREAMS.get();
    }

    static dnnl_memory_desc_t desc(long[] dims, int tag) {
        return desc(dims, dnnl_f32, tag);
    }

    /** A description of {@code dims} of oneDNN data type {@code type} ({@code dnnl_f32}, {@code dnnl_bf16}) in layout {@code tag}. */
    static dnnl_memory_desc_t desc(long[] dims, int type, int tag) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, type, tag), "describing a " + dims.length + "-d array");
        return d;
    }

    /** A reorder between two layouts, or null where they are the same. */
    static Kernel reorderOrNull(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        if (dnnl_memory_desc_equal(from, to) != 0) return null;
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, userScratchpad()), "describing a reorder");
        return kernel(pd, "a reorder");
    }

    /** The shared user-scratchpad attributes (see {@link UserScratchpad}). */
    static dnnl_primitive_attr userScratchpad() {
        return UserScratchpad.ATTRIBUTES;
    }

    /**
     * One shared set of attributes for every primitive that needs nothing but the user scratchpad mode (reorders,
     * products, input gradients): oneDNN only reads them while describing a primitive, so sharing is safe, and no
     * plan leaves an attribute object of its own behind. Made on first use, once oneDNN has loaded.
     */
    private static final class UserScratchpad {
        static final dnnl_primitive_attr ATTRIBUTES = attributes();
    }

    /**
     * New primitive attributes in user scratchpad mode: the scratchpad is ours to give on every call, so the primitive
     * can be shared between threads (see the class comment). The forward convolutions take their own, to add the fused
     * ReLU; every other primitive shares {@link #userScratchpad()}.
     */
    static dnnl_primitive_attr attributes() {
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "creating attributes");
        check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "choosing the user scratchpad mode");
        return attr;
    }

    /**
     * A primitive and the scratchpad each of its calls needs (oneDNN's report, 0 if none). {@code owner} keeps the
     * primitive descriptor that {@code scratchpad} points into alive.
     */
    record Kernel(dnnl_primitive primitive, dnnl_memory_desc_t scratchpad, long scratchpadBytes, dnnl_primitive_desc owner) {}

    /** The primitive of {@code pd} (made with {@link #attributes}) and its scratchpad's description. */
    static Kernel kernel(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "creating " + what);
        dnnl_memory_desc_t pad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        long bytes = pad == null || pad.isNull() ? 0 : dnnl_memory_desc_get_size(pad);
        return new Kernel(p, bytes == 0 ? null : pad, bytes, pd);
    }

    /**
     * Runs a kernel on (argument id, memory) pairs and waits for it. Its scratchpad, if it needs one, is this call's
     * own: taken from the current {@link MemoryScope} and handed back as soon as the kernel has run.
     */
    static void execute(dnnl_stream stream, Kernel kernel, Object... idsAndMemories) {
        if (kernel.scratchpadBytes == 0) {
            run(stream, kernel.primitive, idsAndMemories);
            return;
        }
        INDArray pad = MemoryScope.allocate(DataType.FLOAT, scratchpadFloats(kernel.scratchpadBytes));
        dnnl_memory padMemory = new dnnl_memory();
        check(dnnl_memory_create(padMemory, kernel.scratchpad, ENGINE, new Pointer(pad.data().addressPointer())),
                "wrapping a scratchpad");
        try {
            Object[] withPad = java.util.Arrays.copyOf(idsAndMemories, idsAndMemories.length + 2);
            withPad[idsAndMemories.length] = DNNL_ARG_SCRATCHPAD;
            withPad[idsAndMemories.length + 1] = padMemory;
            run(stream, kernel.primitive, withPad);
        } finally {
            dnnl_memory_destroy(padMemory);
            MemoryScope.release(pad);
        }
    }

    /**
     * Scratchpad sizes rounded up to a power of two floats (at least 4 KiB), so that the few sizes a network's
     * kernels ask for share the memory scope's pooled buffers instead of each keeping its own.
     */
    static long scratchpadFloats(long bytes) {
        long floats = Math.max(1024, (bytes + 3) / 4);
        return Long.highestOneBit(floats - 1) << 1;
    }

    private static void run(dnnl_stream stream, dnnl_primitive primitive, Object... idsAndMemories) {
        int n = idsAndMemories.length / 2;
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(n)) {
            for (int i = 0; i < n; i++) {
                args.position(i).arg((Integer) idsAndMemories[2 * i]).memory((dnnl_memory) idsAndMemories[2 * i + 1]);
            }
            args.position(0);
            check(dnnl_primitive_execute(primitive, stream, n, args), "running a primitive");
            check(dnnl_stream_wait(stream), "waiting for a primitive");
        }
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN failed " + what + ": status " + status + " (" + statusName(status) + ")");
        }
    }

    private static String statusName(int status) {
        if (status == dnnl_out_of_memory) return "out of memory";
        if (status == dnnl_invalid_arguments) return "invalid arguments";
        if (status == dnnl_unimplemented) return "no implementation for these shapes";
        if (status == dnnl_runtime_error) return "runtime error";
        return "see dnnl_status_t";
    }
}
