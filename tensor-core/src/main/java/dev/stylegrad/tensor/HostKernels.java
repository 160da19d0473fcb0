package dev.stylegrad.tensor;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max-pooling 2×2/2 and ReLU, forward and backward, as plain Java loops over the arrays' host memory.
 *
 * <p>Why: libnd4j 1.0.0-M2.1 runs these memory-bound ops far below memory speed on CPU (oneDNN's reference
 * {@code nchw_pooling_fwd_t}; {@code maxpool2d_bp} recomputes the forward; {@code relu_bp} calls a
 * {@code std::function} per element): 211/326/196 ms per VGG19 step at 512×512. These loops are 4–10× faster at
 * the VGG shapes (pool forward 13 vs 156 ms, backward 33 vs 355 ms, relu backward 21 vs 77 ms at [1,64,512,512],
 * 2 threads). libnd4j's relu forward is already about as fast as {@link #relu}; this one exists for symmetry.
 * They are only valid where arrays live in host memory (the CPU backend); callers ask {@link #supports} and keep
 * libnd4j's ops otherwise, so this class never decides the backend itself.
 *
 * <p>Preconditions of every kernel (checked, {@link IllegalArgumentException} otherwise): all arrays pass
 * {@link #supports} (CPU backend, one dtype, float32 or float64, dense c-order; a nonzero offset is fine) and have the
 * documented shapes. An output must be either the very array named as allowed below or not overlap any input.
 *
 * <p>Semantics: max-pooling follows PyTorch: a NaN in a window makes its output NaN and the window's gradient goes to
 * its first NaN; otherwise the first maximum in row-major window order wins ties (−0.0 and +0.0 tie). ReLU follows
 * libnd4j's {@code relu} with threshold 0: {@code x < 0 ? 0 : x}, so NaN and −0.0 pass through unchanged; its gradient
 * follows {@code relu_bp}: {@code out > 0 ? gradOut : 0} (exactly 0 at 0 and at NaN, even if gradOut is NaN).
 */
final class HostKernels {
    private HostKernels() {}

    /*
     * Memory access: sun.misc.Unsafe on raw addresses. Measured on [1,64,512,512] float32, one thread (2-core box):
     * 2×2 max-pool forward 16 ms with Unsafe vs 30 ms with absolute gets/puts on data().asNioFloat(); ReLU was equal
     * (18.6 ms both). The NIO loop pays an index check per access that C2 cannot hoist out of the strided window loop,
     * and NIO buffers are int-indexed (arrays beyond 2^31 elements would not fit). Unsafe is null if the JDK hides
     * it; supports() is then false and callers keep libnd4j's ops.
     */
    static final sun.misc.Unsafe U = unsafe();
    static final long F = 4, D = 8; // element sizes in bytes

    /** Arrays below this many elements run on the calling thread: handing work to the pool costs more than it saves. */
    static final long PARALLEL_MIN_ELEMENTS = 1 << 16;

    /** Chunks of element-wise work start at multiples of this many elements (a 64-byte cache line of floats). */
    private static final long ALIGN = 16;

    // --------------------------------------------------------------------------------------------- preconditions

    /**
     * True iff the kernels can run on these arrays: the CPU backend (host memory), all float32 or all float64, and
     * each dense in c-order (strides are the c-contiguous ones for its shape, offset arbitrary). Empty arrays count
     * as dense.
     */
    static boolean supports(INDArray... arrays) {
        return unsupportedReason(arrays) == null;
    }

    /** Why {@link #supports} is false for these arrays, or null if it is true. */
    private static String unsupportedReason(INDArray... arrays) {
        if (U == null) return "sun.misc.Unsafe is not available in this JVM";
        if (!Nd4j.getEnvironment().isCPU()) return "arrays are not in host memory (not the CPU backend)";
        if (arrays.length == 0) return "no arrays given";
        DataType t = null;
        for (int i = 0; i < arrays.length; i++) {
            INDArray a = arrays[i];
            if (a == null) return "array " + i + " is null";
            DataType at = a.dataType();
            if (at != DataType.FLOAT && at != DataType.DOUBLE) return "array " + i + " has dtype " + at + ", not float32/float64";
            if (t == null) t = at;
            if (at != t) return "arrays mix dtypes " + t + " and " + at;
            if (!cContiguous(a.shape(), a.stride())) {
                return "array " + i + " (shape " + Shapes.format(a.shape()) + ", strides " + Shapes.format(a.stride())
                        + ", order " + a.ordering() + ") is not dense in c-order";
            }
        }
        return null;
    }

    /** Strides equal the c-order ones; a size-1 axis may have any stride (it is never stepped along). */
    private static boolean cContiguous(long[] shape, long[] stride) {
        for (long s : shape) if (s == 0) return true; // empty: nothing to address (ND4J gives it zero strides)
        if (shape.length != stride.length) return false;
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    static void requireSupported(String op, INDArray... arrays) {
        String why = unsupportedReason(arrays);
        if (why != null) throw new IllegalArgumentException("HostKernels." + op + ": " + why);
    }

    static boolean isFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT;
    }

    /**
     * Address of the array's first element. In ND4J 1.0.0-M2.1 a view's DataBuffer is itself offset:
     * {@code data().addressPointer()} already points at element {@code offset()} (whereas {@code asNio*()} returns
     * the whole underlying buffer positioned at the offset), so the offset must not be added again.
     * HostKernelsTest's offset-view tests pin this down.
     */
    static long address(INDArray a) {
        if (a.isEmpty() || a.length() == 0) return 0;
        if (a.data().length() < a.length()) {
            throw new IllegalStateException("HostKernels: buffer of " + a.data().length() + " elements is shorter than array "
                    + Shapes.format(a.shape()));
        }
        return a.data().addressPointer().address();
    }

    // ------------------------------------------------------------------------------------------- reflection pad

    /**
     * Reflection padding of NCHW {@code in} [N,C,H,W] into {@code out} [N,C,H+top+bottom,W+left+right], as PyTorch's
     * {@code ReflectionPad2d}: padded row {@code top − i} is row {@code i}, column {@code left − j} is column {@code j}
     * (the edge itself is not repeated). Each pad must be smaller than the side it pads. A row copy per output row,
     * where libnd4j's strided assigns into views took 94 ms per call at AdaIN's full-size layers.
     */
    static void reflectionPad(INDArray in, INDArray out, int left, int right, int top, int bottom) {
        requireSupported("reflectionPad", in, out);
        Shapes.requireRank("HostKernels.reflectionPad", "in (NCHW)", in, 4);
        long h = in.size(2), w = in.size(3);
        if (left < 0 || right < 0 || top < 0 || bottom < 0 || left >= w || right >= w || top >= h || bottom >= h) {
            throw new IllegalArgumentException("HostKernels.reflectionPad: pads " + left + ", " + right + ", " + top + ", " + bottom
                    + " must be at least 0 and smaller than the sides of " + Shapes.format(in.shape()));
        }
        long[] want = {in.size(0), in.size(1), h + top + bottom, w + left + right};
        if (!Arrays.equals(want, out.shape())) {
            throw new IllegalArgumentException("HostKernels.reflectionPad: out must have shape " + Shapes.format(want) + ", but has " + Shapes.format(out.shape()));
        }
        long planes = in.size(0) * in.size(1), oh = want[2], ow = want[3];
        long rows = planes * oh;
        if (rows == 0 || w == 0) return;
        long src = address(in), dst = address(out), e = isFloat(in) ? F : D;
        parallel(rows, out.length(), (from, to) -> {
            for (long r = from; r < to; r++) {
                long plane = r / oh, y = r - plane * oh, sy = y - top;
                if (sy < 0) sy = -sy;
                else if (sy >= h) sy = 2 * (h - 1) - sy;
                long s = src + (plane * h + sy) * w * e, d = dst + r * ow * e;
                U.copyMemory(s, d + left * e, w * e);
                if (e == F) {
                    for (int j = 1; j <= left; j++) U.putFloat(d + (left - j) * F, U.getFloat(s + j * F));
                    for (int j = 1; j <= right; j++) U.putFloat(d + (left + w - 1 + j) * F, U.getFloat(s + (w - 1 - j) * F));
                } else {
                    for (int j = 1; j <= left; j++) U.putDouble(d + (left - j) * D, U.getDouble(s + j * D));
                    for (int j = 1; j <= right; j++) U.putDouble(d + (left + w - 1 + j) * D, U.getDouble(s + (w - 1 - j) * D));
                }
            }
        });
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(out);
    }

    // ------------------------------------------------------------------------------------------------ max pool

    /**
     * 2×2 max-pooling with stride 2 and no padding over NCHW {@code in} [N,C,H,W] into {@code out} [N,C,H/2,W/2]
     * (floor: an odd last row or column is ignored).
     */
    static void maxPool2x2(INDArray in, INDArray out) {
        requireSupported("maxPool2x2", in, out);
        requirePoolShapes("maxPool2x2", in, "out", out);
        long n = in.size(0) * in.size(1);
        int h = (int) in.size(2), w = (int) in.size(3), oh = h / 2, ow = w / 2;
        long rows = n * oh;
        if (rows == 0 || ow == 0) return;
        long src = address(in), dst = address(out);
        boolean f = isFloat(in);
        parallel(rows, in.length(), (from, to) -> {
            if (f) poolRowsF(src, dst, from, to, h, w, oh, ow);
            else poolRowsD(src, dst, from, to, h, w, oh, ow);
        });
        Reference.reachabilityFence(in); // the loops hold raw addresses only: keep the buffers alive until done
        Reference.reachabilityFence(out);
    }

    /**
     * Gradient of {@link #maxPool2x2}: writes all of {@code gradIn} [N,C,H,W]: each window's {@code gradOut} value at
     * the element the forward picked, 0 everywhere else (including an odd last row or column).
     */
    static void maxPool2x2Backward(INDArray in, INDArray gradOut, INDArray gradIn) {
        requireSupported("maxPool2x2Backward", in, gradOut, gradIn);
        requirePoolShapes("maxPool2x2Backward", in, "gradOut", gradOut);
        Shapes.requireSameShape("HostKernels.maxPool2x2Backward", "in", in, "gradIn", gradIn);
        long n = in.size(0) * in.size(1);
        int h = (int) in.size(2), w = (int) in.size(3), oh = h / 2, ow = w / 2;
        long rows = n * oh;
        long x = address(in), g = address(gradOut), gi = address(gradIn);
        boolean f = isFloat(in);
        long elementSize = f ? F : D;
        if (rows == 0 || ow == 0) {
            if (gradIn.length() > 0) U.setMemory(gi, gradIn.length() * elementSize, (byte) 0); // no window covers anything
        } else {
            parallel(rows, in.length(), (from, to) -> {
                if (f) poolBackRowsF(x, g, gi, from, to, h, w, oh, ow);
                else poolBackRowsD(x, g, gi, from, to, h, w, oh, ow);
            });
        }
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(gradOut);
        Reference.reachabilityFence(gradIn);
    }

    private static void requirePoolShapes(String op, INDArray in, String outName, INDArray out) {
        Shapes.requireRank("HostKernels." + op, "in (NCHW)", in, 4);
        long[] want = {in.size(0), in.size(1), in.size(2) / 2, in.size(3) / 2};
        if (!Arrays.equals(want, out.shape())) {
            throw new IllegalArgumentException("HostKernels." + op + ": " + outName + " must have shape " + Shapes.format(want)
                    + " for input " + Shapes.format(in.shape()) + ", but has " + Shapes.format(out.shape()));
        }
        if (in.size(2) > Integer.MAX_VALUE || in.size(3) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("HostKernels." + op + ": spatial size " + Shapes.format(in.shape()) + " too large");
        }
    }

    /*
     * The pooling loops work on output rows r in [from, to) counted over all planes: plane r / oh, row r % oh. Each
     * window's max is Math.max of Math.max, which C2 intrinsifies without data-dependent branches (a compare-and-branch
     * max mispredicts on random data and cost 3.5× here: 58 ms vs 16 ms single-threaded at [1,64,512,512]). Math.max already propagates
     * NaN; it differs from the first-maximum rule only in which zero it returns when −0.0 and +0.0 tie, so windows
     * whose max is zero take a slow path (rare, and the branch is well predicted when it is common, as after ReLU).
     */

    private static void poolRowsF(long in, long out, long from, long to, int h, int w, int oh, int ow) {
        long rowBytes = w * F;
        for (long r = from; r < to; r++) {
            long plane = r / oh, oy = r - plane * oh;
            long s0 = in + (plane * h + 2 * oy) * rowBytes, s1 = s0 + rowBytes, d = out + r * ow * F;
            for (int ox = 0; ox < ow; ox++) {
                long s = (long) ox * (2 * F);
                float a = U.getFloat(s0 + s), b = U.getFloat(s0 + s + F), c = U.getFloat(s1 + s), e = U.getFloat(s1 + s + F);
                float m = Math.max(Math.max(a, b), Math.max(c, e));
                if (m == 0f) m = a == 0f ? a : b == 0f ? b : c == 0f ? c : e;
                U.putFloat(d + ox * F, m);
            }
        }
    }

    private static void poolRowsD(long in, long out, long from, long to, int h, int w, int oh, int ow) {
        long rowBytes = w * D;
        for (long r = from; r < to; r++) {
            long plane = r / oh, oy = r - plane * oh;
            long s0 = in + (plane * h + 2 * oy) * rowBytes, s1 = s0 + rowBytes, d = out + r * ow * D;
            for (int ox = 0; ox < ow; ox++) {
                long s = (long) ox * (2 * D);
                double a = U.getDouble(s0 + s), b = U.getDouble(s0 + s + D), c = U.getDouble(s1 + s), e = U.getDouble(s1 + s + D);
                double m = Math.max(Math.max(a, b), Math.max(c, e));
                if (m == 0d) m = a == 0d ? a : b == 0d ? b : c == 0d ? c : e;
                U.putDouble(d + ox * D, m);
            }
        }
    }

    /*
     * Backward: the window's argmax is the first element equal to its max (−0.0 == +0.0, so ties between zeros also
     * pick the first), found branch-free as the lowest set bit of a 4-bit equality mask; a NaN max (rare) takes a
     * branch to find the first NaN. The window's four gradIn elements are zeroed and then the argmax one is
     * overwritten, which is cheaper than four data-dependent selects.
     */

    private static void poolBackRowsF(long in, long gradOut, long gradIn, long from, long to, int h, int w, int oh, int ow) {
        long rowBytes = w * F;
        boolean oddW = (w & 1) != 0, oddH = (h & 1) != 0;
        for (long r = from; r < to; r++) {
            long plane = r / oh, oy = r - plane * oh;
            long rowOffset = (plane * h + 2 * oy) * rowBytes;
            long s0 = in + rowOffset, s1 = s0 + rowBytes, t0 = gradIn + rowOffset, t1 = t0 + rowBytes, g = gradOut + r * ow * F;
            for (int ox = 0; ox < ow; ox++) {
                long s = (long) ox * (2 * F);
                float a = U.getFloat(s0 + s), b = U.getFloat(s0 + s + F), c = U.getFloat(s1 + s), e = U.getFloat(s1 + s + F);
                float m = Math.max(Math.max(a, b), Math.max(c, e));
                int k = m == m
                        ? Integer.numberOfTrailingZeros((a == m ? 1 : 0) | (b == m ? 2 : 0) | (c == m ? 4 : 0) | 8)
                        : a != a ? 0 : b != b ? 1 : c != c ? 2 : 3;
                U.putLong(t0 + s, 0L); // two float zeros
                U.putLong(t1 + s, 0L);
                U.putFloat(t0 + s + (k >> 1) * rowBytes + (k & 1) * F, U.getFloat(g + ox * F));
            }
            if (oddW) {
                U.putFloat(t0 + (w - 1) * F, 0f);
                U.putFloat(t1 + (w - 1) * F, 0f);
            }
            if (oddH && oy == oh - 1) U.setMemory(t1 + rowBytes, rowBytes, (byte) 0); // row h-1: no window covers it
        }
    }

    private static void poolBackRowsD(long in, long gradOut, long gradIn, long from, long to, int h, int w, int oh, int ow) {
        long rowBytes = w * D;
        boolean oddW = (w & 1) != 0, oddH = (h & 1) != 0;
        for (long r = from; r < to; r++) {
            long plane = r / oh, oy = r - plane * oh;
            long rowOffset = (plane * h + 2 * oy) * rowBytes;
            long s0 = in + rowOffset, s1 = s0 + rowBytes, t0 = gradIn + rowOffset, t1 = t0 + rowBytes, g = gradOut + r * ow * D;
            for (int ox = 0; ox < ow; ox++) {
                long s = (long) ox * (2 * D);
                double a = U.getDouble(s0 + s), b = U.getDouble(s0 + s + D), c = U.getDouble(s1 + s), e = U.getDouble(s1 + s + D);
                double m = Math.max(Math.max(a, b), Math.max(c, e));
                int k = m == m
                        ? Integer.numberOfTrailingZeros((a == m ? 1 : 0) | (b == m ? 2 : 0) | (c == m ? 4 : 0) | 8)
                        : a != a ? 0 : b != b ? 1 : c != c ? 2 : 3;
                U.putLong(t0 + s, 0L);
                U.putLong(t0 + s + D, 0L);
                U.putLong(t1 + s, 0L);
                U.putLong(t1 + s + D, 0L);
                U.putDouble(t0 + s + (k >> 1) * rowBytes + (k & 1) * D, U.getDouble(g + ox * D));
            }
            if (oddW) {
                U.putDouble(t0 + (w - 1) * D, 0d);
                U.putDouble(t1 + (w - 1) * D, 0d);
            }
            if (oddH && oy == oh - 1) U.setMemory(t1 + rowBytes, rowBytes, (byte) 0);
        }
    }

    // ---------------------------------------------------------------------------------------------------- relu

    /** {@code out = x < 0 ? 0 : x} element-wise (NaN and −0.0 unchanged); {@code out} may be {@code x} itself. */
    static void relu(INDArray x, INDArray out) {
        requireSupported("relu", x, out);
        Shapes.requireSameShape("HostKernels.relu", "x", x, "out", out);
        long n = x.length(), src = address(x), dst = address(out);
        boolean f = isFloat(x);
        long size = f ? F : D;
        parallelElements(n, (from, to) -> {
            for (long i = from; i < to; i += MAX_LOOP) {
                int len = (int) Math.min(MAX_LOOP, to - i);
                if (f) reluF(src + i * size, dst + i * size, len);
                else reluD(src + i * size, dst + i * size, len);
            }
        });
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(out);
    }

    /**
     * {@code gradIn = out > 0 ? gradOut : 0} element-wise, {@code out} being relu's output (or its input: the mask is
     * the same); {@code gradIn} may be {@code gradOut} itself.
     */
    static void reluBackward(INDArray out, INDArray gradOut, INDArray gradIn) {
        requireSupported("reluBackward", out, gradOut, gradIn);
        Shapes.requireSameShape("HostKernels.reluBackward", "out", out, "gradOut", gradOut);
        Shapes.requireSameShape("HostKernels.reluBackward", "out", out, "gradIn", gradIn);
        long n = out.length(), o = address(out), g = address(gradOut), gi = address(gradIn);
        boolean f = isFloat(out);
        long size = f ? F : D;
        parallelElements(n, (from, to) -> {
            for (long i = from; i < to; i += MAX_LOOP) {
                int len = (int) Math.min(MAX_LOOP, to - i);
                if (f) reluBackF(o + i * size, g + i * size, gi + i * size, len);
                else reluBackD(o + i * size, g + i * size, gi + i * size, len);
            }
        });
        Reference.reachabilityFence(out);
        Reference.reachabilityFence(gradOut);
        Reference.reachabilityFence(gradIn);
    }

    /*
     * Both ReLU loops work on the bit patterns with integer masks: a float compare-and-select compiles to a branch,
     * which mispredicts on mixed-sign data (96 ms vs 17 ms single-threaded at 16M floats). x < 0 exactly when its bits
     * b, as a signed int, lie in [0x80000001, 0xff800000] (sign set, not −0.0, not NaN): t = b − 0x80000001 is then in
     * [0, 0x7f800000), and the sign bits of ~t and t − 0x7f800000 are both set. x > 0 exactly when 0 < b <= 0x7f800000.
     * The loops index with an int (C2 optimizes int-counted loops better than long ones; measured 17 vs 25 ms), so
     * callers pass at most MAX_LOOP elements at a time, with pointers already advanced to the first one.
     */
    private static final int MAX_LOOP = 1 << 30;

    private static void reluF(long x, long out, int n) {
        for (int i = 0; i < n; i++) {
            long p = (long) i * F;
            int b = U.getInt(x + p), t = b - 0x80000001;
            U.putInt(out + p, b & ~((~t & (t - 0x7f800000)) >> 31));
        }
    }

    private static void reluD(long x, long out, int n) {
        for (int i = 0; i < n; i++) {
            long p = (long) i * D;
            long b = U.getLong(x + p), t = b - 0x8000000000000001L;
            U.putLong(out + p, b & ~((~t & (t - 0x7ff0000000000000L)) >> 63));
        }
    }

    private static void reluBackF(long out, long gradOut, long gradIn, int n) {
        for (int i = 0; i < n; i++) {
            long p = (long) i * F;
            int b = U.getInt(out + p);
            U.putInt(gradIn + p, U.getInt(gradOut + p) & (-b & (b - 0x7f800001)) >> 31);
        }
    }

    private static void reluBackD(long out, long gradOut, long gradIn, int n) {
        for (int i = 0; i < n; i++) {
            long p = (long) i * D;
            long b = U.getLong(out + p);
            U.putLong(gradIn + p, U.getLong(gradOut + p) & (-b & (b - 0x7ff0000000000001L)) >> 63);
        }
    }

    // ------------------------------------------------------------------------------------------------ threading

    /** Work on the half-open range [from, to) of some unit (elements or output rows). */
    @FunctionalInterface
    interface RangeTask {
        void run(long from, long to);
    }

    /** Element-wise work: chunks start at cache-line multiples so that no two threads write the same line. */
    private static void parallelElements(long n, RangeTask task) {
        long blocks = (n + ALIGN - 1) / ALIGN;
        parallel(blocks, n, (from, to) -> task.run(from * ALIGN, Math.min(to * ALIGN, n)));
    }

    /**
     * Runs {@code task} over [0, units) split into one contiguous chunk per thread ({@link KernelConfig#hostThreads}):
     * the calling thread does the first chunk, the shared pool the others, and the call returns when all are done.
     * {@code elements} (the array size) decides whether splitting is worth it. Every unit is computed by the same code
     * whichever chunk it falls in, and chunks write disjoint memory (no kernel here sums across units), so results
     * do not depend on the thread count.
     */
    static void parallel(long units, long elements, RangeTask task) {
        int threads = KernelConfig.hostThreads();
        int chunks = (int) Math.min(threads, units);
        if (chunks <= 1 || elements < PARALLEL_MIN_ELEMENTS) {
            if (units > 0) task.run(0, units);
            return;
        }
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[chunks - 1];
        for (int i = 1; i < chunks; i++) {
            long from = units * i / chunks, to = units * (i + 1) / chunks;
            others[i - 1] = Pool.POOL.submit(() -> task.run(from, to));
        }
        try {
            task.run(0, units / chunks);
        } finally {
            for (ForkJoinTask<?> t : others) t.join(); // rethrows a worker's exception
        }
    }

    /** The worker threads, created on first parallel call: daemons, so they never keep the JVM alive. */
    private static final class Pool {
        static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, Nd4j.getEnvironment().maxMasterThreads() - 1),
                pool -> {
                    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                    t.setName("stylegrad-host-kernels-" + t.getPoolIndex());
                    t.setDaemon(true);
                    return t;
                }, null, false);
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
