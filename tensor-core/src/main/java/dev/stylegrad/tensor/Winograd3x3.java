package dev.stylegrad.tensor;

import java.lang.ref.Reference;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 3×3 convolution with stride 1, pad 1 (VGG's) by Winograd F(2×2, 3×3): each 2×2 output tile is
 * {@code Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A} over 4×4 input tiles d, so the channel sums become 16 independent GEMMs
 * {@code M_p = U_p · V_p} (U [16, O, C] the weight transform, V [16, C, tiles]) with 16 multiplies per tile and
 * channel pair instead of 36 (2.25× fewer).
 *
 * <p>Why: libnd4j/oneDNN's direct convolution already runs near this machine's GEMM peak, so only fewer flops can make
 * it faster; the transforms are host loops ({@link HostKernels}' conventions: CPU backend, dense c-order, Unsafe) and
 * the GEMMs are ND4J's batched {@code matmul}.
 *
 * <p>Memory: tiles go in chunks of whole tile rows so that V and M together stay within {@link #SCRATCH_BYTES}; the
 * scratch is one pooled buffer ({@link MemoryScope}) of that exact size whenever chunking is needed, so every layer
 * of a step reuses the same buffer.
 *
 * <p>Input gradient: it is the convolution of gradOut with the weights rotated 180° and O/C swapped. With J the
 * 3-element reversal and P the swap of rows 0 and 3 of the 4×3 G, G J = P G, so the rotated kernel's transform is
 * {@code P U_{oc} P}: position (i, j) of it is position (π(i), π(j)) of U, transposed. So the gradient reuses the
 * cached U: V's positions are stored permuted and the GEMM transposes U (no second cache).
 *
 * <p>Numerics (measured by Winograd3x3Test against libnd4j's direct convolution, random normal data, C = 20..): the
 * transforms only add, subtract and halve, so the error is that of a float32 GEMM over 4·C terms plus a few
 * roundings: about 1e-6 of max |out| in float32 (direct convolution: similar), ~1e-15 in float64.
 */
final class Winograd3x3 {
    private Winograd3x3() {}

    /** Bytes of V and M together per call (see class comment). */
    static final long SCRATCH_BYTES = 48L << 20;

    /** Position slots for the forward pass (identity) and the input gradient (π = 3,1,2,0 on both axes). */
    private static final int[] IDENTITY = new int[16], ROTATED = new int[16];

    static {
        int[] pi = {3, 1, 2, 0};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                IDENTITY[4 * i + j] = 4 * i + j;
                ROTATED[4 * i + j] = 4 * pi[i] + pi[j];
            }
        }
    }

    /** True iff these arrays can take the host path (CPU backend, float32/float64, c-order) and the spec is 3×3/s1/p1. */
    static boolean supports(INDArray input, INDArray weight, Conv2dSpec spec) {
        return spec.equals(Conv2dSpec.SAME_3X3) && weight.rank() == 4 && weight.size(2) == 3 && weight.size(3) == 3
                && input.rank() == 4 && input.size(2) <= Integer.MAX_VALUE / 2 && input.size(3) <= Integer.MAX_VALUE / 2
                && HostKernels.supports(input, weight);
    }

    /** {@code conv2d(input, weight) + bias} (bias may be null): [N, C, H, W] * [O, C, 3, 3] -> [N, O, H, W]. */
    static INDArray conv2d(INDArray input, INDArray weight, INDArray bias) {
        return conv2d(input, weight, bias, SCRATCH_BYTES);
    }

    static INDArray conv2d(INDArray input, INDArray weight, INDArray bias, long scratchBytes) {
        INDArray out = MemoryScope.allocate(input.dataType(), input.size(0), weight.size(0), input.size(2), input.size(3));
        double[] b = bias == null ? null : bias.toDoubleVector();
        run(input, WinogradWeights.of(weight), false, IDENTITY, b, out, scratchBytes);
        return out;
    }

    /** Gradient of {@link #conv2d} with respect to its input: gradOut [N, O, H, W] -> [N, C, H, W]. */
    static INDArray inputGradient(INDArray gradOut, INDArray weight) {
        return inputGradient(gradOut, weight, SCRATCH_BYTES);
    }

    static INDArray inputGradient(INDArray gradOut, INDArray weight, long scratchBytes) {
        INDArray out = MemoryScope.allocate(gradOut.dataType(), gradOut.size(0), weight.size(1), gradOut.size(2), gradOut.size(3));
        run(gradOut, WinogradWeights.of(weight), true, ROTATED, null, out, scratchBytes);
        return out;
    }

    /**
     * out[n, k] = Σ_j conv(in[n, j], kernel(k, j)) where the kernel transforms are u[p, k, j] (or u[p, j, k] if
     * {@code transposeU}), position p stored in slot {@code slot[p]} of V and M.
     */
    private static void run(INDArray in, INDArray u, boolean transposeU, int[] slot, double[] bias, INDArray out, long scratchBytes) {
        if (!HostKernels.supports(in, u, out)) {
            throw new IllegalArgumentException("Winograd3x3: arrays must be dense c-order float32/float64 on the CPU backend: "
                    + Shapes.format(in.shape()) + ", " + Shapes.format(u.shape()) + ", " + Shapes.format(out.shape()));
        }
        DataType type = in.dataType();
        long cin = in.size(1), cout = out.size(1);
        if ((transposeU ? u.size(1) : u.size(2)) != cin || (transposeU ? u.size(2) : u.size(1)) != cout) {
            throw new IllegalArgumentException("Winograd3x3: weight transform " + Shapes.format(u.shape()) + " does not map "
                    + cin + " to " + cout + " channels");
        }
        int h = (int) in.size(2), w = (int) in.size(3), tH = (h + 1) / 2, tW = (w + 1) / 2;
        long elt = type == DataType.FLOAT ? 4 : 8;
        long rows = in.size(0) * tH;                           // tile rows over the whole batch
        long bytesPerTileRow = 16 * (cin + cout) * tW * elt;
        long rowsPerChunk = Math.max(1, Math.min(rows, scratchBytes / bytesPerTileRow));
        long scratchLength = rowsPerChunk < rows && scratchBytes / elt >= rowsPerChunk * bytesPerTileRow / elt
                ? scratchBytes / elt                            // chunked: the one shared size (see class comment)
                : rowsPerChunk * bytesPerTileRow / elt;
        INDArray scratch = MemoryScope.allocate(type, scratchLength);
        try {
            long inAddr = HostKernels.address(in), outAddr = HostKernels.address(out), sAddr = HostKernels.address(scratch);
            boolean f = type == DataType.FLOAT;
            Transforms t = new Transforms(h, w, tW, f);
            for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
                long r1 = Math.min(rows, r0 + rowsPerChunk), tiles = (r1 - r0) * tW;
                INDArray v = view(scratch, 0, 16, cin, tiles), m = view(scratch, 16 * cin * tiles, 16, cout, tiles);
                long vAddr = sAddr, mAddr = sAddr + 16 * cin * tiles * elt;
                long[] vPlanes = planeOffsets(slot, cin * tiles * elt), mPlanes = planeOffsets(slot, cout * tiles * elt);
                for (long c = 0; c < cin; c++) {
                    for (long r = r0; r < r1; r++) {
                        long n = r / tH, ty = r - n * tH;
                        long plane = inAddr + (n * cin + c) * h * w * elt;
                        long dst = vAddr + (c * tiles + (r - r0) * tW) * elt;
                        t.input(plane, (int) ty, dst, vPlanes);
                    }
                }
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(u, v).addOutputs(m)
                        .addIntegerArguments(transposeU ? 1 : 0, 0, 0).build());
                for (long k = 0; k < cout; k++) {
                    double b = bias == null ? 0 : bias[(int) k];
                    for (long r = r0; r < r1; r++) {
                        long n = r / tH, ty = r - n * tH;
                        long plane = outAddr + (n * cout + k) * h * w * elt;
                        long src = mAddr + (k * tiles + (r - r0) * tW) * elt;
                        t.output(src, mPlanes, b, plane, (int) ty);
                    }
                }
            }
        } finally {
            Reference.reachabilityFence(in);
            Reference.reachabilityFence(u);
            Reference.reachabilityFence(out);
            MemoryScope.release(scratch);
        }
    }

    /** A dense c-order [d0, d1, d2] array over {@code buffer}'s elements starting at {@code offset}. */
    private static INDArray view(INDArray buffer, long offset, long d0, long d1, long d2) {
        long[] shape = {d0, d1, d2};
        return Nd4j.create(buffer.data(), shape, Nd4j.getStrides(shape, 'c'), offset, 'c', buffer.dataType());
    }

    /** Byte offset of position p's plane: slot[p] planes of {@code planeBytes} each. */
    private static long[] planeOffsets(int[] slot, long planeBytes) {
        long[] o = new long[16];
        for (int p = 0; p < 16; p++) o[p] = slot[p] * planeBytes;
        return o;
    }

    /**
     * The per-tile-row transforms, with heap row buffers: input rows are copied (zero-padded: column 0 and columns
     * past w stay 0, missing rows are all 0) so the tile loop needs no bounds checks, and output rows are assembled
     * and then copied, so an odd last column or row is simply cropped.
     */
    private static final class Transforms {
        private static final sun.misc.Unsafe U = HostKernels.U;
        private final int h, w, tW;
        private final boolean f;
        private final long elt;
        private final float[][] inF, outF;
        private final double[][] inD, outD;

        Transforms(int h, int w, int tW, boolean f) {
            this.h = h;
            this.w = w;
            this.tW = tW;
            this.f = f;
            this.elt = f ? 4 : 8;
            int padded = 2 * tW + 2;
            inF = f ? new float[4][padded] : null;
            outF = f ? new float[2][2 * tW] : null;
            inD = f ? null : new double[4][padded];
            outD = f ? null : new double[2][2 * tW];
        }

        /** V at {@code dst} + planes[p] + 4·tx bytes… for the tiles of tile row ty of one channel plane. */
        void input(long plane, int ty, long dst, long[] planes) {
            for (int k = 0; k < 4; k++) {
                int y = 2 * ty - 1 + k;
                if (f) {
                    if (y >= 0 && y < h) U.copyMemory(null, plane + (long) y * w * 4, inF[k], FLOAT_BASE + 4, (long) w * 4);
                    else Arrays.fill(inF[k], 0f);
                } else {
                    if (y >= 0 && y < h) U.copyMemory(null, plane + (long) y * w * 8, inD[k], DOUBLE_BASE + 8, (long) w * 8);
                    else Arrays.fill(inD[k], 0d);
                }
            }
            if (f) inputF(dst, planes);
            else inputD(dst, planes);
        }

        /** Output tile row ty of one channel plane from M at {@code src} + planes[p], plus {@code bias}. */
        void output(long src, long[] planes, double bias, long plane, int ty) {
            int y = 2 * ty;
            long rowBytes = (long) w * elt;
            if (f) {
                outputF(src, planes, (float) bias);
                U.copyMemory(outF[0], FLOAT_BASE, null, plane + y * rowBytes, rowBytes);
                if (y + 1 < h) U.copyMemory(outF[1], FLOAT_BASE, null, plane + (y + 1) * rowBytes, rowBytes);
            } else {
                outputD(src, planes, bias);
                U.copyMemory(outD[0], DOUBLE_BASE, null, plane + y * rowBytes, rowBytes);
                if (y + 1 < h) U.copyMemory(outD[1], DOUBLE_BASE, null, plane + (y + 1) * rowBytes, rowBytes);
            }
        }

        /*
         * Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]; V = Bᵀ d B: the column pass combines the
         * four rows, the row pass the four columns. Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]; Y = Aᵀ M A likewise.
         */

        private void inputF(long dst, long[] p) {
            float[] a = inF[0], b = inF[1], c = inF[2], d = inF[3];
            for (int tx = 0; tx < tW; tx++) {
                int x = 2 * tx;
                long o = dst + tx * 4L;
                float t00 = a[x] - c[x], t01 = a[x + 1] - c[x + 1], t02 = a[x + 2] - c[x + 2], t03 = a[x + 3] - c[x + 3];
                float t10 = b[x] + c[x], t11 = b[x + 1] + c[x + 1], t12 = b[x + 2] + c[x + 2], t13 = b[x + 3] + c[x + 3];
                float t20 = c[x] - b[x], t21 = c[x + 1] - b[x + 1], t22 = c[x + 2] - b[x + 2], t23 = c[x + 3] - b[x + 3];
                float t30 = b[x] - d[x], t31 = b[x + 1] - d[x + 1], t32 = b[x + 2] - d[x + 2], t33 = b[x + 3] - d[x + 3];
                U.putFloat(o + p[0], t00 - t02);
                U.putFloat(o + p[1], t01 + t02);
                U.putFloat(o + p[2], t02 - t01);
                U.putFloat(o + p[3], t01 - t03);
                U.putFloat(o + p[4], t10 - t12);
                U.putFloat(o + p[5], t11 + t12);
                U.putFloat(o + p[6], t12 - t11);
                U.putFloat(o + p[7], t11 - t13);
                U.putFloat(o + p[8], t20 - t22);
                U.putFloat(o + p[9], t21 + t22);
                U.putFloat(o + p[10], t22 - t21);
                U.putFloat(o + p[11], t21 - t23);
                U.putFloat(o + p[12], t30 - t32);
                U.putFloat(o + p[13], t31 + t32);
                U.putFloat(o + p[14], t32 - t31);
                U.putFloat(o + p[15], t31 - t33);
            }
        }

        private void inputD(long dst, long[] p) {
            double[] a = inD[0], b = inD[1], c = inD[2], d = inD[3];
            for (int tx = 0; tx < tW; tx++) {
                int x = 2 * tx;
                long o = dst + tx * 8L;
                double t00 = a[x] - c[x], t01 = a[x + 1] - c[x + 1], t02 = a[x + 2] - c[x + 2], t03 = a[x + 3] - c[x + 3];
                double t10 = b[x] + c[x], t11 = b[x + 1] + c[x + 1], t12 = b[x + 2] + c[x + 2], t13 = b[x + 3] + c[x + 3];
                double t20 = c[x] - b[x], t21 = c[x + 1] - b[x + 1], t22 = c[x + 2] - b[x + 2], t23 = c[x + 3] - b[x + 3];
                double t30 = b[x] - d[x], t31 = b[x + 1] - d[x + 1], t32 = b[x + 2] - d[x + 2], t33 = b[x + 3] - d[x + 3];
                U.putDouble(o + p[0], t00 - t02);
                U.putDouble(o + p[1], t01 + t02);
                U.putDouble(o + p[2], t02 - t01);
                U.putDouble(o + p[3], t01 - t03);
                U.putDouble(o + p[4], t10 - t12);
                U.putDouble(o + p[5], t11 + t12);
                U.putDouble(o + p[6], t12 - t11);
                U.putDouble(o + p[7], t11 - t13);
                U.putDouble(o + p[8], t20 - t22);
                U.putDouble(o + p[9], t21 + t22);
                U.putDouble(o + p[10], t22 - t21);
                U.putDouble(o + p[11], t21 - t23);
                U.putDouble(o + p[12], t30 - t32);
                U.putDouble(o + p[13], t31 + t32);
                U.putDouble(o + p[14], t32 - t31);
                U.putDouble(o + p[15], t31 - t33);
            }
        }

        private void outputF(long src, long[] p, float bias) {
            float[] y0 = outF[0], y1 = outF[1];
            for (int tx = 0; tx < tW; tx++) {
                long s = src + tx * 4L;
                float m0 = U.getFloat(s + p[0]), m1 = U.getFloat(s + p[1]), m2 = U.getFloat(s + p[2]), m3 = U.getFloat(s + p[3]);
                float m4 = U.getFloat(s + p[4]), m5 = U.getFloat(s + p[5]), m6 = U.getFloat(s + p[6]), m7 = U.getFloat(s + p[7]);
                float m8 = U.getFloat(s + p[8]), m9 = U.getFloat(s + p[9]), m10 = U.getFloat(s + p[10]), m11 = U.getFloat(s + p[11]);
                float m12 = U.getFloat(s + p[12]), m13 = U.getFloat(s + p[13]), m14 = U.getFloat(s + p[14]), m15 = U.getFloat(s + p[15]);
                float s0 = m0 + m4 + m8, s1 = m1 + m5 + m9, s2 = m2 + m6 + m10, s3 = m3 + m7 + m11;
                float r0 = m4 - m8 - m12, r1 = m5 - m9 - m13, r2 = m6 - m10 - m14, r3 = m7 - m11 - m15;
                int x = 2 * tx;
                y0[x] = s0 + s1 + s2 + bias;
                y0[x + 1] = s1 - s2 - s3 + bias;
                y1[x] = r0 + r1 + r2 + bias;
                y1[x + 1] = r1 - r2 - r3 + bias;
            }
        }

        private void outputD(long src, long[] p, double bias) {
            double[] y0 = outD[0], y1 = outD[1];
            for (int tx = 0; tx < tW; tx++) {
                long s = src + tx * 8L;
                double m0 = U.getDouble(s + p[0]), m1 = U.getDouble(s + p[1]), m2 = U.getDouble(s + p[2]), m3 = U.getDouble(s + p[3]);
                double m4 = U.getDouble(s + p[4]), m5 = U.getDouble(s + p[5]), m6 = U.getDouble(s + p[6]), m7 = U.getDouble(s + p[7]);
                double m8 = U.getDouble(s + p[8]), m9 = U.getDouble(s + p[9]), m10 = U.getDouble(s + p[10]), m11 = U.getDouble(s + p[11]);
                double m12 = U.getDouble(s + p[12]), m13 = U.getDouble(s + p[13]), m14 = U.getDouble(s + p[14]), m15 = U.getDouble(s + p[15]);
                double s0 = m0 + m4 + m8, s1 = m1 + m5 + m9, s2 = m2 + m6 + m10, s3 = m3 + m7 + m11;
                double r0 = m4 - m8 - m12, r1 = m5 - m9 - m13, r2 = m6 - m10 - m14, r3 = m7 - m11 - m15;
                int x = 2 * tx;
                y0[x] = s0 + s1 + s2 + bias;
                y0[x + 1] = s1 - s2 - s3 + bias;
                y1[x] = r0 + r1 + r2 + bias;
                y1[x + 1] = r1 - r2 - r3 + bias;
            }
        }

        private static final long FLOAT_BASE = U.arrayBaseOffset(float[].class), DOUBLE_BASE = U.arrayBaseOffset(double[].class);
    }
}
