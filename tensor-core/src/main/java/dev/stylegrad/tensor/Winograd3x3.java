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
 * scratch is a pooled buffer ({@link MemoryScope}) of exactly that size for every call that needs chunking, so those
 * layers share one buffer instead of pooling one per shape; smaller calls take just what they need.
 *
 * <p>Input gradient: it is the convolution of gradOut with the weights rotated 180° and O/C swapped. With J the
 * 3-element reversal and P the swap of rows 0 and 3 of the 4×3 G, G J = P G, so the rotated kernel's transform is
 * {@code P U_{oc} P}: position (i, j) of it is position (π(i), π(j)) of U, transposed. So the gradient reuses the
 * cached U: V's positions are stored permuted and the GEMM transposes U (no second cache).
 *
 * <p>Threads: the transforms split channels over {@link HostKernels#parallel} (stylegrad.hostThreads, one by
 * default, for the reason given there); the GEMMs use libnd4j's threads.
 *
 * <p>Numerics: the transforms only add, subtract and halve, so the error is about that of the GEMM. Measured
 * (Winograd3x3Test, 256→256 at 16×16, He-scaled normal data, against a float64 reference): max error / max |out| =
 * 6.6e-7 in float32, vs 1.9e-6 for libnd4j's direct float32 convolution; ~1e-15 in float64.
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

    /**
     * Whether {@link Kernels} may pick this path: system property stylegrad.winograd, off unless "true". Off by
     * default because the measured gain does not pay for its memory: a VGG19 step at 512² is 5-8% faster but peaks
     * 70-160 MB higher (the cached U of conv4_2..conv5_1, 64 MB, and the 48 MB scratch), which brings the RSS up to
     * PyTorch's; at 256² the step is not faster.
     */
    static boolean enabled() {
        return "true".equals(System.getProperty("stylegrad.winograd"));
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
        long needed = rowsPerChunk * bytesPerTileRow / elt, budget = scratchBytes / elt;
        // Chunked calls all take the budget, so that they share one pooled buffer (see class comment).
        long scratchLength = rowsPerChunk < rows ? Math.max(needed, budget) : needed;
        INDArray scratch = MemoryScope.allocate(type, scratchLength);
        try {
            long inAddr = HostKernels.address(in), outAddr = HostKernels.address(out), sAddr = HostKernels.address(scratch);
            boolean f = type == DataType.FLOAT;
            for (long chunk = 0; chunk < rows; chunk += rowsPerChunk) {
                long r0 = chunk, r1 = Math.min(rows, r0 + rowsPerChunk), tiles = (r1 - r0) * tW;
                INDArray v = view(scratch, 0, 16, cin, tiles), m = view(scratch, 16 * cin * tiles, 16, cout, tiles);
                long vAddr = sAddr, mAddr = sAddr + 16 * cin * tiles * elt;
                long[] vPlanes = planeOffsets(slot, cin * tiles * elt), mPlanes = planeOffsets(slot, cout * tiles * elt);
                HostKernels.parallel(cin, cin * tiles * 16, (c0, c1) -> {
                    Transforms t = new Transforms(h, w, tW, f);
                    long block = t.rowsPerBlock;
                    for (long c = c0; c < c1; c++) {
                        for (long rb = r0; rb < r1; rb += block) {
                            long re = Math.min(r1, rb + block);
                            for (long r = rb; r < re; r++) {
                                long n = r / tH;
                                t.inputRow(inAddr + (n * cin + c) * h * w * elt, (int) (r - n * tH), (int) (r - rb) * tW);
                            }
                            t.storeInput(vAddr + (c * tiles + (rb - r0) * tW) * elt, vPlanes, (int) (re - rb) * tW);
                        }
                    }
                });
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(u, v).addOutputs(m)
                        .addIntegerArguments(transposeU ? 1 : 0, 0, 0).build());
                HostKernels.parallel(cout, cout * tiles * 16, (k0, k1) -> {
                    Transforms t = new Transforms(h, w, tW, f);
                    long block = t.rowsPerBlock;
                    for (long k = k0; k < k1; k++) {
                        double b = bias == null ? 0 : bias[(int) k];
                        for (long rb = r0; rb < r1; rb += block) {
                            long re = Math.min(r1, rb + block);
                            t.loadOutput(mAddr + (k * tiles + (rb - r0) * tW) * elt, mPlanes, (int) (re - rb) * tW);
                            for (long r = rb; r < re; r++) {
                                long n = r / tH;
                                t.outputRow((int) (r - rb) * tW, b, outAddr + (n * cout + k) * h * w * elt, (int) (r - n * tH));
                            }
                        }
                    }
                });
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
     * The transforms, one tile row at a time, through heap staging arrays. Input rows are copied in zero-padded
     * (column 0 and columns past w stay 0, missing rows are all 0), so the tile loop needs no bounds checks; output
     * rows are assembled and copied out, so an odd last column or row is simply cropped.
     *
     * <p>Why staging for V and M too: their 16 position planes lie C·tiles elements apart, a multiple of 4 KiB at
     * VGG's power-of-two widths, so 16 interleaved streams all fall into the same L1 sets. Writing them tile by tile
     * cost 43 ns per channel-tile (measured, float32); 16 heap arrays filled and then copied in bulk, a few rows at a
     * time, avoid the conflicts.
     */
    private static final class Transforms {
        private static final sun.misc.Unsafe U = HostKernels.U;
        private static final long FLOAT_BASE = U.arrayBaseOffset(float[].class), DOUBLE_BASE = U.arrayBaseOffset(double[].class);
        /** Tiles staged per bulk copy: 16 planes of this many elements stay in L1/L2. */
        private static final int STAGED_TILES = 256;

        final int rowsPerBlock;
        private final int h, w, tW;
        private final boolean f;
        private final float[][] inF, outF, stageF, quadF;
        private final double[][] inD, outD, stageD;

        Transforms(int h, int w, int tW, boolean f) {
            this.h = h;
            this.w = w;
            this.tW = tW;
            this.f = f;
            this.rowsPerBlock = Math.max(1, STAGED_TILES / tW);
            int padded = 2 * tW + 2, staged = rowsPerBlock * tW;
            inF = f ? new float[4][padded] : null;
            outF = f ? new float[2][2 * tW] : null;
            stageF = f ? new float[16][staged] : null;
            quadF = f ? new float[4][tW] : null;
            inD = f ? null : new double[4][padded];
            outD = f ? null : new double[2][2 * tW];
            stageD = f ? null : new double[16][staged];
        }

        /** Transforms tile row ty of the channel plane at {@code plane} into the staging arrays at tile {@code at}. */
        void inputRow(long plane, int ty, int at) {
            for (int k = 0; k < 4; k++) {
                int y = 2 * ty - 1 + k;
                boolean inside = y >= 0 && y < h;
                if (f) {
                    if (inside) U.copyMemory(null, plane + (long) y * w * 4, inF[k], FLOAT_BASE + 4, (long) w * 4);
                    else Arrays.fill(inF[k], 0f);
                } else {
                    if (inside) U.copyMemory(null, plane + (long) y * w * 8, inD[k], DOUBLE_BASE + 8, (long) w * 8);
                    else Arrays.fill(inD[k], 0d);
                }
            }
            if (f) inputF(at);
            else inputD(at);
        }

        /** Copies {@code tiles} staged tiles of each position p to {@code dst + planes[p]}. */
        void storeInput(long dst, long[] planes, int tiles) {
            for (int p = 0; p < 16; p++) {
                if (f) U.copyMemory(stageF[p], FLOAT_BASE, null, dst + planes[p], tiles * 4L);
                else U.copyMemory(stageD[p], DOUBLE_BASE, null, dst + planes[p], tiles * 8L);
            }
        }

        /** Copies {@code tiles} tiles of each position p from {@code src + planes[p]} into the staging arrays. */
        void loadOutput(long src, long[] planes, int tiles) {
            for (int p = 0; p < 16; p++) {
                if (f) U.copyMemory(null, src + planes[p], stageF[p], FLOAT_BASE, tiles * 4L);
                else U.copyMemory(null, src + planes[p], stageD[p], DOUBLE_BASE, tiles * 8L);
            }
        }

        /** Output tile row ty of the channel plane at {@code plane} from the staged tiles at {@code at}, plus bias. */
        void outputRow(int at, double bias, long plane, int ty) {
            int y = 2 * ty;
            long rowBytes = (long) w * (f ? 4 : 8);
            if (f) {
                outputF(at, (float) bias);
                U.copyMemory(outF[0], FLOAT_BASE, null, plane + y * rowBytes, rowBytes);
                if (y + 1 < h) U.copyMemory(outF[1], FLOAT_BASE, null, plane + (y + 1) * rowBytes, rowBytes);
            } else {
                outputD(at, bias);
                U.copyMemory(outD[0], DOUBLE_BASE, null, plane + y * rowBytes, rowBytes);
                if (y + 1 < h) U.copyMemory(outD[1], DOUBLE_BASE, null, plane + (y + 1) * rowBytes, rowBytes);
            }
        }

        /*
         * Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]; V = Bᵀ d B: the column pass combines the
         * four rows, the row pass the four columns. Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]; Y = Aᵀ M A likewise.
         */

        private void inputF(int at) {
            float[] a = inF[0], b = inF[1], c = inF[2], d = inF[3];
            float[][] v = stageF;
            for (int tx = 0; tx < tW; tx++) {
                int x = 2 * tx, i = at + tx;
                float t00 = a[x] - c[x], t01 = a[x + 1] - c[x + 1], t02 = a[x + 2] - c[x + 2], t03 = a[x + 3] - c[x + 3];
                float t10 = b[x] + c[x], t11 = b[x + 1] + c[x + 1], t12 = b[x + 2] + c[x + 2], t13 = b[x + 3] + c[x + 3];
                float t20 = c[x] - b[x], t21 = c[x + 1] - b[x + 1], t22 = c[x + 2] - b[x + 2], t23 = c[x + 3] - b[x + 3];
                float t30 = b[x] - d[x], t31 = b[x + 1] - d[x + 1], t32 = b[x + 2] - d[x + 2], t33 = b[x + 3] - d[x + 3];
                v[0][i] = t00 - t02;
                v[1][i] = t01 + t02;
                v[2][i] = t02 - t01;
                v[3][i] = t01 - t03;
                v[4][i] = t10 - t12;
                v[5][i] = t11 + t12;
                v[6][i] = t12 - t11;
                v[7][i] = t11 - t13;
                v[8][i] = t20 - t22;
                v[9][i] = t21 + t22;
                v[10][i] = t22 - t21;
                v[11][i] = t21 - t23;
                v[12][i] = t30 - t32;
                v[13][i] = t31 + t32;
                v[14][i] = t32 - t31;
                v[15][i] = t31 - t33;
            }
        }

        private void inputD(int at) {
            double[] a = inD[0], b = inD[1], c = inD[2], d = inD[3];
            double[][] v = stageD;
            for (int tx = 0; tx < tW; tx++) {
                int x = 2 * tx, i = at + tx;
                double t00 = a[x] - c[x], t01 = a[x + 1] - c[x + 1], t02 = a[x + 2] - c[x + 2], t03 = a[x + 3] - c[x + 3];
                double t10 = b[x] + c[x], t11 = b[x + 1] + c[x + 1], t12 = b[x + 2] + c[x + 2], t13 = b[x + 3] + c[x + 3];
                double t20 = c[x] - b[x], t21 = c[x + 1] - b[x + 1], t22 = c[x + 2] - b[x + 2], t23 = c[x + 3] - b[x + 3];
                double t30 = b[x] - d[x], t31 = b[x + 1] - d[x + 1], t32 = b[x + 2] - d[x + 2], t33 = b[x + 3] - d[x + 3];
                v[0][i] = t00 - t02;
                v[1][i] = t01 + t02;
                v[2][i] = t02 - t01;
                v[3][i] = t01 - t03;
                v[4][i] = t10 - t12;
                v[5][i] = t11 + t12;
                v[6][i] = t12 - t11;
                v[7][i] = t11 - t13;
                v[8][i] = t20 - t22;
                v[9][i] = t21 + t22;
                v[10][i] = t22 - t21;
                v[11][i] = t21 - t23;
                v[12][i] = t30 - t32;
                v[13][i] = t31 + t32;
                v[14][i] = t32 - t31;
                v[15][i] = t31 - t33;
            }
        }

        private void outputF(int at, float bias) {
            float[][] m = stageF, q = quadF;
            float[] q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
            float[] m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
            float[] m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
            for (int tx = 0; tx < tW; tx++) { // unit stride everywhere: C2 vectorizes it
                int i = at + tx;
                float s0 = m0[i] + m4[i] + m8[i], s1 = m1[i] + m5[i] + m9[i];
                float s2 = m2[i] + m6[i] + m10[i], s3 = m3[i] + m7[i] + m11[i];
                float r0 = m4[i] - m8[i] - m12[i], r1 = m5[i] - m9[i] - m13[i];
                float r2 = m6[i] - m10[i] - m14[i], r3 = m7[i] - m11[i] - m15[i];
                q0[tx] = s0 + s1 + s2 + bias;
                q1[tx] = s1 - s2 - s3 + bias;
                q2[tx] = r0 + r1 + r2 + bias;
                q3[tx] = r1 - r2 - r3 + bias;
            }
            float[] y0 = outF[0], y1 = outF[1];
            for (int tx = 0; tx < tW; tx++) { // interleave the tiles' two columns
                y0[2 * tx] = q0[tx];
                y0[2 * tx + 1] = q1[tx];
                y1[2 * tx] = q2[tx];
                y1[2 * tx + 1] = q3[tx];
            }
        }

        private void outputD(int at, double bias) {
            double[] y0 = outD[0], y1 = outD[1];
            double[][] m = stageD;
            for (int tx = 0; tx < tW; tx++) {
                int i = at + tx, x = 2 * tx;
                double s0 = m[0][i] + m[4][i] + m[8][i], s1 = m[1][i] + m[5][i] + m[9][i];
                double s2 = m[2][i] + m[6][i] + m[10][i], s3 = m[3][i] + m[7][i] + m[11][i];
                double r0 = m[4][i] - m[8][i] - m[12][i], r1 = m[5][i] - m[9][i] - m[13][i];
                double r2 = m[6][i] - m[10][i] - m[14][i], r3 = m[7][i] - m[11][i] - m[15][i];
                y0[x] = s0 + s1 + s2 + bias;
                y0[x + 1] = s1 - s2 - s3 + bias;
                y1[x] = r0 + r1 + r2 + bias;
                y1[x + 1] = r1 - r2 - r3 + bias;
            }
        }
    }
}
