package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.util.List;

/**
 * Estimates of a style step's memory and of the memory this process may still use, for choosing tiles.
 *
 * <p>The estimates scale what the tape keeps, every convolution's output (float32; for VGG19 to relu5_1, 290 floats
 * per picture pixel: 64+64 at full size, 2·128 at a quarter, ...), by factors fitted to peak RSS measured with
 * /usr/bin/time (AMD EPYC Zen 5, 2 threads, ImageNet VGG19, Adam): untiled 2048² peaked at 14.1 GiB; tiled, with
 * windows of 1184², 4096² at 9.2 GiB and 8192×6144 at 15.5 GiB. The estimates are within 5% of those.
 */
final class StepMemory {
    /** Peak bytes of an untiled step per byte of convolution outputs on the tape (fitted, see above; includes the picture's arrays). */
    static final double TAPE_FACTOR = 2.9;
    /**
     * Peak bytes of a tiled step per byte of one window's convolution outputs: more than untiled, as both passes'
     * buffers and the owned regions' copies share the window's memory pool (fitted, see above).
     */
    static final double WINDOW_FACTOR = 3.6;
    /**
     * A tiled run's picture-sized memory per pixel: the image, its gradient, its last finite and previous copies,
     * Adam's m, v and gradient (7 × 3 float32), the relu4_2 content target (32 bytes), and the JVM heap's share
     * (pixels as int and float arrays while pictures are read, resized and written) (fitted, see above).
     */
    static final long TILED_PICTURE_BYTES_PER_PIXEL = 200;
    /**
     * What Winograd kernels add per pixel of the picture (untiled) or of a window (tiled): oneDNN's transformed copies of
     * the widest layers' inputs and outputs. Fitted above the peaks measured with `auto` (Winograd) on an AMD EPYC Zen 4,
     * 2 threads, ImageNet VGG19, Adam: untiled 2048² at 20.0 GB (1150 bytes per pixel above the direct estimate), 2048²
     * in windows of 1184² at 9.05 GB (1230 per window pixel); 1400 keeps the estimates above both.
     */
    static final long WINOGRAD_BYTES_PER_PIXEL = 1400;
    /** The JVM, the native libraries, the weights and their kernel layouts: measured ~450 MB at 128². */
    static final long BASELINE_BYTES = 600L << 20;
    /**
     * Picture-sized arrays that live through a run, per pixel: the image, its gradient, Adam's m and v, the last
     * finite and the previous image (6 × 3 float32), and a relu4_2 content target (512 channels at 1/64: 32 bytes).
     */
    static final long PICTURE_BYTES_PER_PIXEL = 6 * 12 + 32;

    private StepMemory() {}

    /** Bytes of convolution outputs per picture pixel for a network with these widths (stride 1, 2, 4, 8, 16 per block). */
    static double convolutionBytesPerPixel(List<Long> widths) {
        int[] blockSizes = Vgg.Architecture.VGG19.blockSizes();
        double bytes = 0;
        int conv = 0;
        for (int block = 0; block < blockSizes.length && conv < widths.size(); block++) {
            double area = Math.pow(4, block); // positions per pixel: 1, 1/4, 1/16, ...
            for (int i = 0; i < blockSizes[block] && conv < widths.size(); i++) bytes += 4.0 * widths.get(conv++) / area;
        }
        return bytes;
    }

    /** Estimated peak bytes of one untiled step on a picture of {@code pixels}. */
    static long untiledStep(long pixels, List<Long> widths) {
        return BASELINE_BYTES + (long) (pixels * (TAPE_FACTOR * convolutionBytesPerPixel(widths) + PICTURE_BYTES_PER_PIXEL + winogradBytesPerPixel(widths)));
    }

    /** Estimated peak bytes of one tiled step: the picture's arrays plus one window's tape. */
    static long tiledStep(long pixels, long windowPixels, List<Long> widths) {
        return BASELINE_BYTES + pixels * TILED_PICTURE_BYTES_PER_PIXEL
                + (long) (windowPixels * (WINDOW_FACTOR * convolutionBytesPerPixel(widths) + winogradBytesPerPixel(widths)));
    }

    /**
     * {@link #WINOGRAD_BYTES_PER_PIXEL} where this process's convolution algorithm gives the network's second layer (the
     * widest at full size) Winograd kernels, else 0.
     */
    static double winogradBytesPerPixel(List<Long> widths) {
        if (widths.size() < 2) return 0;
        long in = widths.get(0), out = widths.get(1);
        boolean winograd = dev.stylegrad.tensor.Kernels.conv2dRunsWinograd(new long[] {1, in, 66, 66}, new long[] {out, in, 3, 3},
                dev.stylegrad.tensor.Conv2dSpec.of(1, 1, 1), false);
        return winograd ? WINOGRAD_BYTES_PER_PIXEL : 0;
    }

    /**
     * Bytes this process may still allocate ({@link MemoryCheck#available()}: the least of MemAvailable, the cgroup's
     * headroom and JavaCPP's); unbounded when nothing is known.
     */
    static long available() {
        return MemoryCheck.available().map(MemoryCheck.Available::bytes).orElse(Long.MAX_VALUE);
    }
}
