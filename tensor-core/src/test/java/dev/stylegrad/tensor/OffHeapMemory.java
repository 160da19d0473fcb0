package dev.stylegrad.tensor;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.enums.AllocationKind;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How many off-heap bytes ND4J arrays hold right now, for leak tests and soak runs.
 *
 * <p>ND4J 1.0.0-M2.1 has no counter for this on CPU: {@code AllocationsTracker} counts only workspace and constant
 * memory, {@code MemoryManager.allocatedMemory} and JavaCPP's {@code Pointer.totalBytes()} never see array buffers
 * (libnd4j allocates them itself), and RSS includes the Java heap and glibc's cached pages. What does see every
 * buffer is ND4J's deallocator service, which registers each one to free it when it becomes unreachable; this class
 * sums the live, owning (non-view), non-workspace buffers it holds. That map is private, so it is read by reflection:
 * a diagnostic for tests (shared with the other modules' tests in this module's test-jar), not for production paths.
 */
public final class OffHeapMemory {
    private static final Field REFERENCE_MAP;

    static {
        Field f;
        try {
            f = Nd4j.getDeallocatorService().getClass().getDeclaredField("referenceMap");
            f.setAccessible(true);
        } catch (NoSuchFieldException | RuntimeException e) {
            f = null;
        }
        REFERENCE_MAP = f;
    }

    private OffHeapMemory() {}

    /**
     * Bytes of live array buffers outside workspaces. Runs a GC first so that unreachable buffers (which ND4J frees
     * asynchronously) are not counted; the result is deterministic for a deterministic program.
     *
     * @throws IllegalStateException if this ND4J version's deallocator service cannot be read
     */
    public static long arrayBytes() {
        if (REFERENCE_MAP == null) {
            throw new IllegalStateException("OffHeapMemory: cannot read ND4J's DeallocatorService.referenceMap (ND4J version changed?)");
        }
        System.gc();
        long sum = 0;
        try {
            Map<?, ?> map = (Map<?, ?>) REFERENCE_MAP.get(Nd4j.getDeallocatorService());
            for (Object ref : map.values().toArray()) {
                if (((Reference<?>) ref).get() instanceof DataBuffer b
                        && !b.wasClosed() && !b.isAttached() && !b.isConstant() && b.underlyingDataBuffer() == null) {
                    sum += b.length() * b.getElementSize();
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("OffHeapMemory: cannot read ND4J's deallocator map", e);
        }
        return sum;
    }

    /** Bytes reserved by all workspaces (memory scopes) on this device. */
    public static long workspaceBytes() {
        return AllocationsTracker.getInstance().bytesOnDevice(AllocationKind.WORKSPACE, Nd4j.getAffinityManager().getDeviceForCurrentThread());
    }

    /** Array bytes plus workspace bytes: what a leak test should see stay flat. */
    public static long totalBytes() {
        return arrayBytes() + workspaceBytes();
    }
}
