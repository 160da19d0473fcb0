package dev.stylegrad.tensor;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
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
 */
final class OneDnn {
    private OneDnn() {}

    /** Why oneDNN cannot be used here (binaries missing, another backend, turned off), or null once it has loaded. */
    static final String UNAVAILABLE;
    private static final dnnl_engine ENGINE;

    static {
        dnnl_engine engine = null;
        String reason;
        if ("false".equals(System.getProperty("stylegrad.onednn"))) {
            reason = "turned off by -Dstylegrad.onednn=false";
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
            INDArray s = MemoryScope.allocate(DataType.FLOAT, (bytes + 3) / 4);
            scratch.add(s);
            return create(desc, new Pointer(s.data().addressPointer()));
        }

        dnnl_memory reorder(dnnl_stream stream, dnnl_primitive reorder, dnnl_memory from, dnnl_memory_desc_t toDesc, long bytes) {
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

    private static dnnl_stream newStream() {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, ENGINE, dnnl_stream_default_flags), "creating a stream");
        return s;
    }

    static dnnl_memory_desc_t desc(long[] dims, int tag) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl_f32, tag), "describing a " + dims.length + "-d array");
        return d;
    }

    static dnnl_primitive reorderOrNull(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        if (dnnl_memory_desc_equal(from, to) != 0) return null;
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, null), "describing a reorder");
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "creating a reorder");
        return p;
    }

    /** Runs a primitive on (argument id, memory) pairs and waits for it. */
    static void execute(dnnl_stream stream, dnnl_primitive primitive, Object... idsAndMemories) {
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
