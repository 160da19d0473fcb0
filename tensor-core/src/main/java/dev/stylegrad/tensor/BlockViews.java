package dev.stylegrad.tensor;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Buffers of exactly an array's length over the start of a larger host buffer, so {@link MemoryScope}'s pool can lend
 * a freed block to a smaller array. ND4J's own sub-buffers would not do: an array over a longer or offset buffer is a
 * view to ND4J ({@code isView()}), and kernels copy views first.
 */
final class BlockViews {
    private BlockViews() {}

    /** Whether {@link #view} can serve views of this buffer: float32 or float64 in host memory (the CPU backend). */
    static boolean supported(DataBuffer buffer) {
        return Nd4j.getEnvironment().isCPU() && (buffer.dataType() == DataType.FLOAT || buffer.dataType() == DataType.DOUBLE);
    }

    /** A buffer of {@code length} elements at {@code block}'s start; it keeps {@code block} reachable while it is. */
    static DataBuffer view(DataBuffer block, long length) {
        if (!supported(block)) throw new IllegalArgumentException("BlockViews: " + block.dataType() + " buffers on this backend are lent whole only");
        if (length < 1 || length > block.length()) {
            throw new IllegalArgumentException("BlockViews: " + length + " elements asked of a block of " + block.length());
        }
        Pointer start = block.addressPointer();
        Pointer typed = block.dataType() == DataType.FLOAT ? new Floats(start, length, block) : new Doubles(start, length, block);
        DataBuffer view = Nd4j.createBuffer(typed, length, block.dataType());
        if (view.addressPointer().address() != start.address()) throw new IllegalStateException("BlockViews: ND4J copied the block instead of wrapping it");
        return view;
    }

    /** Typed pointers that hold their block, so the GC cannot free a block an array still uses. */
    private static final class Floats extends FloatPointer {
        @SuppressWarnings("unused") private final DataBuffer block;

        Floats(Pointer start, long length, DataBuffer block) {
            super(start);
            capacity(length);
            limit(length);
            this.block = block;
        }
    }

    private static final class Doubles extends DoublePointer {
        @SuppressWarnings("unused") private final DataBuffer block;

        Doubles(Pointer start, long length, DataBuffer block) {
            super(start);
            capacity(length);
            limit(length);
            this.block = block;
        }
    }
}
