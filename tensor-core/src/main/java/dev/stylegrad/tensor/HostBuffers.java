package dev.stylegrad.tensor;

import java.lang.ref.Cleaner;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Host buffers for {@link MemoryScope}'s pool that are not zeroed when made. ND4J's own buffers are zero-filled by one
 * thread as they are allocated (about 0.6 ms per MB here), which was most of what a process's first picture cost over
 * later ones: a 1024×768 transformer pass fills a 2.5 GB pool. These come from {@code malloc}, so the kernel's fresh
 * pages are zero-filled lazily, on first touch, by the threads that write them. Pool arrays are never assumed zero
 * (a reused buffer holds the last step's values), so nothing depends on the fill.
 *
 * <p>The memory is freed by {@link #close} (the pool's destruction) or, for a pool dropped without it (a thread that
 * ended), when the GC finds the buffer unreachable, as ND4J's own buffers are.
 */
final class HostBuffers {
    private HostBuffers() {}

    private static final Cleaner CLEANER = Cleaner.create();
    private static final java.util.concurrent.atomic.AtomicLong LIVE_BYTES = new java.util.concurrent.atomic.AtomicLong();

    /** A buffer and what frees its memory (at most once; {@code free.clean()} is the explicit path). */
    record Owned(DataBuffer buffer, Cleaner.Cleanable free) {}

    /**
     * An uninitialized float32 or float64 buffer of {@code length} elements in host memory, or null where this does
     * not apply (another backend or type, or malloc failed: callers then take ND4J's allocator and its messages).
     */
    static Owned uninitialized(DataType type, long length) {
        if (!Nd4j.getEnvironment().isCPU() || (type != DataType.FLOAT && type != DataType.DOUBLE)) return null;
        long bytes = length * type.width();
        Pointer raw = Pointer.malloc(bytes);
        if (raw == null || raw.isNull()) return null;
        Pointer typed = type == DataType.FLOAT ? new FloatPointer(raw).capacity(length).limit(length)
                : new DoublePointer(raw).capacity(length).limit(length);
        DataBuffer buffer = Nd4j.createBuffer(typed, length, type);
        if (buffer.addressPointer().address() != raw.address()) { // ND4J copied it: not a view of our memory
            buffer.close();
            Pointer.free(raw);
            return null;
        }
        long address = raw.address(); // the action must not reach the buffer, or it would never be unreachable
        LIVE_BYTES.addAndGet(bytes);
        return new Owned(buffer, CLEANER.register(buffer, () -> {
            Pointer.free(new Pointer() {
                {
                    this.address = address;
                }
            });
            LIVE_BYTES.addAndGet(-bytes);
        }));
    }

    /** Bytes of these buffers not yet freed (ND4J's own counters never see them; leak tests add this). */
    static long liveBytes() {
        return LIVE_BYTES.get();
    }
}
