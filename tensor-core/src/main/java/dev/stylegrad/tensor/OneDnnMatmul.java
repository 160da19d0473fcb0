package dev.stylegrad.tensor;

import static dev.stylegrad.tensor.OneDnn.check;
import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 matrix products {@code op(a)·op(b)} (op = identity or transpose, rank 2 or batched rank 3) through oneDNN's
 * matmul, with the primitive built once per shape. A transpose is only a different stride in the operand's
 * description, never a copy.
 *
 * <p>Why: the Gram matrices and their gradients are the only heavy work of a style step besides convolutions, and on
 * OpenBLAS they run on its own threads, which spin for a while after each call while oneDNN's OpenMP threads want the
 * same cores. Measured in one process (2 cores, see benchmarks/RESULTS.md): oneDNN's matmul 88-138 GFLOP/s on the
 * Gram shapes of a 256² step where libnd4j's matmul reached 31-73.
 */
final class OneDnnMatmul {
    private OneDnnMatmul() {}

    private static final Logger LOG = LoggerFactory.getLogger(OneDnnMatmul.class);
    private static final Map<Key, Plan> PLANS = new ConcurrentHashMap<>();
    private static final Set<Key> UNBUILDABLE = ConcurrentHashMap.newKeySet();

    /** [batch,] m×k times k×n; a transposed operand is stored the other way round (c-order); operands read as bfloat16 or not. */
    record Key(int rank, long batch, long m, long k, long n, boolean transposeA, boolean transposeB, boolean bf16) {}

    /** True iff this path runs {@code a·b}: oneDNN loaded, both float32, dense c-order, rank 2 or both rank 3. */
    static boolean supports(INDArray a, INDArray b) {
        return a.rank() == b.rank() && (a.rank() == 2 || a.rank() == 3) && !a.isEmpty() && !b.isEmpty()
                && OneDnn.supportsFloat32(a, b);
    }

    /**
     * {@code op(a)·op(b)} into a new array of {@code outShape} from the current scope; shapes already checked. Null if
     * oneDNN cannot build a kernel for these shapes (remembered, logged once; the caller takes libnd4j's path). With
     * {@code bf16} both operands are rounded to bfloat16 first (one copy each, one if {@code a} and {@code b} are the
     * same array, as in a Gram matrix), the sums and the result are float32.
     */
    static INDArray multiply(INDArray a, boolean transposeA, INDArray b, boolean transposeB, long[] outShape) {
        return multiply(a, transposeA, b, transposeB, outShape, false);
    }

    static INDArray multiply(INDArray a, boolean transposeA, INDArray b, boolean transposeB, long[] outShape, boolean bf16) {
        int r = a.rank();
        long m = outShape[r - 2], n = outShape[r - 1];
        long k = transposeA ? a.size(r - 2) : a.size(r - 1);
        Key key = new Key(r, r == 3 ? a.size(0) : 1, m, k, n, transposeA, transposeB, bf16);
        Plan plan = PLANS.get(key);
        if (plan == null) {
            if (UNBUILDABLE.contains(key)) return null;
            try {
                plan = PLANS.computeIfAbsent(key, kk -> {
                    OneDnn.Observer o = OneDnn.observer;
                    if (o != null) o.buildingProduct(kk);
                    return new Plan(kk);
                });
            } catch (IllegalStateException e) {
                if (UNBUILDABLE.add(key)) LOG.warn("no oneDNN matmul for {}; using libnd4j's: {}", key, e.getMessage());
                return null;
            }
        }
        INDArray out = MemoryScope.allocate(DataType.FLOAT, outShape);
        try (OneDnn.Memories mem = new OneDnn.Memories()) {
            dnnl_stream stream = OneDnn.stream();
            dnnl_memory aMem, bMem;
            if (!bf16) {
                aMem = mem.wrap(plan.a, a);
                bMem = mem.wrap(plan.b, b);
            } else {
                // Each buffer rounded as a flat vector, so the operand descriptions' strides (transposes) still apply.
                INDArray roundedA = plan.round(mem, stream, a, plan.roundA, plan.flatA, plan.flatA16);
                INDArray roundedB = b == a ? roundedA : plan.round(mem, stream, b, plan.roundB, plan.flatB, plan.flatB16);
                aMem = mem.wrap(plan.a, roundedA);
                bMem = mem.wrap(plan.b, roundedB);
            }
            OneDnn.execute(stream, plan.primitive, DNNL_ARG_SRC, aMem, DNNL_ARG_WEIGHTS, bMem, DNNL_ARG_DST, mem.wrap(plan.out, out));
        }
        OneDnn.Observer o = OneDnn.observer;
        if (o != null) o.ranProduct();
        return out;
    }

    private static final class Plan {
        final dnnl_memory_desc_t a, b, out;
        final OneDnn.Kernel primitive;
        // bf16 plans only: each operand's buffer as a flat float32 vector, and its rounding into the bfloat16 operand
        final dnnl_memory_desc_t flatA, flatB, flatA16, flatB16;
        final OneDnn.Kernel roundA, roundB;
        @SuppressWarnings("unused") private final Object[] owned; // keeps the descriptors the memory descs live in

        Plan(Key key) {
            int type = key.bf16 ? dnnl_bf16 : dnnl_f32;
            a = operand(key, key.m, key.k, key.transposeA, type);
            b = operand(key, key.k, key.n, key.transposeB, type);
            out = operand(key, key.m, key.n, false, dnnl_f32);
            if (key.bf16) {
                long lengthA = key.batch * key.m * key.k, lengthB = key.batch * key.k * key.n;
                flatA = OneDnn.desc(new long[] {lengthA}, dnnl_x);
                flatB = OneDnn.desc(new long[] {lengthB}, dnnl_x);
                flatA16 = OneDnn.desc(new long[] {lengthA}, dnnl_bf16, dnnl_x);
                flatB16 = OneDnn.desc(new long[] {lengthB}, dnnl_bf16, dnnl_x);
                roundA = OneDnn.reorderOrNull(flatA, flatA16);
                roundB = OneDnn.reorderOrNull(flatB, flatB16);
            } else {
                flatA = flatB = flatA16 = flatB16 = null;
                roundA = roundB = null;
            }
            dnnl_matmul_desc_t desc = new dnnl_matmul_desc_t();
            check(dnnl_matmul_desc_init(desc, a, b, null, out), "describing a matrix product");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), OneDnn.userScratchpad(), OneDnn.engine(), null),
                    "choosing a matrix-product kernel");
            primitive = OneDnn.kernel(pd, "the matrix-product primitive");
            owned = new Object[] {desc, pd};
        }

        /** {@code x} rounded to bfloat16 into a scratch array of the call (2 bytes per value). */
        INDArray round(OneDnn.Memories mem, dnnl_stream stream, INDArray x, OneDnn.Kernel rounding, dnnl_memory_desc_t flat,
                dnnl_memory_desc_t flat16) {
            INDArray rounded = mem.scratchArray(2 * x.length());
            OneDnn.execute(stream, rounding, DNNL_ARG_FROM, mem.wrap(flat, x), DNNL_ARG_TO, mem.wrap(flat16, rounded));
            return rounded;
        }

        /** A rows×cols operand; transposed means it is stored cols×rows in c-order, so only its strides differ. */
        private static dnnl_memory_desc_t operand(Key key, long rows, long cols, boolean transposed, int type) {
            long rowStride = transposed ? 1 : cols, colStride = transposed ? rows : 1;
            long[] dims = key.rank == 3 ? new long[] {key.batch, rows, cols} : new long[] {rows, cols};
            long[] strides = key.rank == 3 ? new long[] {rows * cols, rowStride, colStride} : new long[] {rowStride, colStride};
            dnnl_memory_desc_t d = new dnnl_memory_desc_t();
            check(dnnl_memory_desc_init_by_strides(d, dims.length, dims, type, strides), "describing a matrix");
            return d;
        }
    }
}
