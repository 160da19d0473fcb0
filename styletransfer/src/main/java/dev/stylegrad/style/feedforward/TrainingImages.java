package dev.stylegrad.style.feedforward;

import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training pictures: every PNG and JPEG under a folder (recursively), in sorted path order, taken in that order
 * batch after batch and wrapping around at the end of an epoch (or, with shuffling, in a fresh seeded order each
 * epoch). Each picture is resized so its shorter side is the image size and center-cropped to a square, as the
 * reference's {@code Resize} and {@code CenterCrop} do; a picture that already has that size is used as it is.
 *
 * <p>Pictures are decoded when their batch needs them, so a large collection costs no start-up time. One that cannot
 * be read is reported once (to the skip callback) and passed over from then on. Where the next batch starts is
 * {@link #position()}: a cursor that a checkpoint saves and {@link #seek} restores.
 *
 * <p>Not thread-safe: one training loop reads it.
 */
public final class TrainingImages {
    /** Where the next picture comes from: the epoch (0-based) and the index in that epoch's order. */
    public record Position(long epoch, int index) {}

    private final List<Path> files;
    private final int size;
    private final long maxPixels;
    private final Long shuffleSeed;
    private final Set<Integer> unusable = new HashSet<>();
    private final BiConsumer<Path, String> onSkip;
    private int[] order;
    private long epoch;
    private int index;

    private TrainingImages(List<Path> files, int size, long maxPixels, Long shuffleSeed, BiConsumer<Path, String> onSkip) {
        this.files = files;
        this.size = size;
        this.maxPixels = maxPixels;
        this.shuffleSeed = shuffleSeed;
        this.onSkip = onSkip;
        this.order = orderOf(0);
    }

    /**
     * The pictures under {@code folder}.
     *
     * @param size the side of the square training pictures
     * @param shuffleSeed null for sorted path order every epoch; else each epoch's order is a permutation drawn from
     *     this seed and the epoch number
     * @param onSkip told once about each picture that cannot be used (the file and why)
     * @throws IOException if {@code folder} is not a folder or holds no PNG or JPEG file
     */
    public static TrainingImages under(Path folder, int size, long maxPixels, Long shuffleSeed, BiConsumer<Path, String> onSkip) throws IOException {
        if (size < 16) throw new IllegalArgumentException("training images: the image size must be at least 16 pixels, got " + size);
        if (!Files.isDirectory(folder)) throw new IOException(folder + ": not a folder (--images takes a folder of PNG and JPEG pictures)");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).filter(TrainingImages::isPicture).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (files.isEmpty()) throw new IOException(folder + ": no .png, .jpg or .jpeg files in this folder or below it");
        return new TrainingImages(files, size, maxPixels, shuffleSeed, onSkip);
    }

    /** Whether the file name ends in .png, .jpg or .jpeg (any case): the pictures train and apply take from a folder. */
    public static boolean isPicture(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** The picture files found, in sorted path order (usable or not). */
    public List<Path> files() {
        return files;
    }

    public Position position() {
        return new Position(epoch, index);
    }

    /** Continues from a saved {@link #position()}; pictures found unusable are found again when reached. */
    public void seek(Position p) {
        if (p.index() < 0 || p.index() > files.size() || p.epoch() < 0) {
            throw new IllegalArgumentException("training images: position " + p + " is outside " + files.size() + " pictures");
        }
        epoch = p.epoch();
        index = p.index();
        order = orderOf(epoch);
    }

    /**
     * The next {@code batch} usable pictures as [batch, 3, size, size] float32 pixels in 0..255.
     *
     * @throws IOException if a whole pass over the pictures found none usable
     */
    public INDArray next(int batch) throws IOException {
        int side = size;
        float[] data = new float[batch * 3 * side * side];
        int taken = 0;
        while (taken < batch) {
            int i = nextCandidate();
            try {
                readInto(files.get(i), side, maxPixels, data, taken * 3 * side * side);
            } catch (IOException | RuntimeException | Error e) { // one picture, whatever is wrong with it, never ends the run
                markUnusable(files.get(i), whyUnusable(e));
                continue;
            }
            taken++;
        }
        return Nd4j.create(data, new long[] {batch, 3, side, side}, DataType.FLOAT);
    }

    /**
     * The next {@code batch} pictures' files, not read (a cluster's executors read them: {@link #readInto}), the
     * cursor moved past them; pictures already found unusable are passed over. When a reader finds one unusable, give
     * it to {@link #markUnusable}, {@link #seek} back to the position before this call and ask again: the batch is then
     * the one {@link #next} would have read.
     *
     * @throws IOException if every picture has been found unusable
     */
    public List<Path> nextFiles(int batch) throws IOException {
        List<Path> out = new ArrayList<>(batch);
        while (out.size() < batch) out.add(files.get(nextCandidate()));
        return out;
    }

    /** Passes {@code file} over from now on, and reports it (once) to the skip callback with {@code why}. */
    public void markUnusable(Path file, String why) throws IOException {
        int i = files.indexOf(file);
        if (i < 0) throw new IllegalArgumentException("training images: " + file + " is not one of the pictures found");
        if (unusable.add(i)) onSkip.accept(file, why);
        if (unusable.size() == files.size()) throw noneUsable();
    }

    /** The index of the next picture not known to be unusable, the cursor moved past it. */
    private int nextCandidate() throws IOException {
        while (true) {
            if (index == files.size()) {
                epoch++;
                index = 0;
                order = orderOf(epoch);
            }
            int i = order[index++];
            if (!unusable.contains(i)) return i;
            if (unusable.size() == files.size()) throw noneUsable();
        }
    }

    /**
     * Reads one training picture into {@code data} from {@code base}: 3·side·side float32 pixels 0..255, planes R, G,
     * B, resized and center-cropped as {@link #squareCrop(RgbImage, int, long)}.
     */
    public static void readInto(Path file, int side, long maxPixels, float[] data, int base) throws IOException {
        int[] px = squareCrop(ImageFiles.read(file, maxPixels), side, maxPixels).pixels();
        int plane = side * side;
        for (int p = 0; p < plane; p++) {
            data[base + p] = (px[p] >> 16) & 0xff;
            data[base + plane + p] = (px[p] >> 8) & 0xff;
            data[base + 2 * plane + p] = px[p] & 0xff;
        }
    }

    /** Why a picture could not be used, in a few words (what the skip callback is told). */
    public static String whyUnusable(Throwable e) {
        return e instanceof OutOfMemoryError ? "ran out of memory reading or resizing it (" + e.getMessage() + ")"
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private IOException noneUsable() {
        return new IOException("none of the " + files.size() + " pictures could be read (each was reported as skipped)");
    }

    /**
     * Shorter side to {@code side} (the longer one scaled alike and truncated, as torchvision's {@code Resize(int)}),
     * then the centered {@code side}×{@code side} square (offsets rounded as {@code CenterCrop}).
     */
    public static RgbImage squareCrop(RgbImage image, int side) {
        return squareCrop(image, side, Long.MAX_VALUE);
    }

    /**
     * {@link #squareCrop(RgbImage, int)}, refusing a picture whose resized size (before the crop) would exceed
     * {@code maxPixels}: a picture of extreme aspect (1×400,000 px resizes to 256×102,400,000) would exhaust memory.
     *
     * @throws IllegalArgumentException saying the picture's size and what it would be resized to
     */
    public static RgbImage squareCrop(RgbImage image, int side, long maxPixels) {
        int w = image.width(), h = image.height();
        long rw, rh;
        if (w <= h) {
            rw = side;
            rh = (long) side * h / w;
        } else {
            rh = side;
            rw = (long) side * w / h;
        }
        if (rw * rh > maxPixels || rw > Integer.MAX_VALUE || rh > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%dx%d px is too elongated: its shorter side resized to %d px makes it %dx%d, "
                    + "more than %d pixels (--max-pixels) before the center crop", w, h, side, rw, rh, maxPixels));
        }
        RgbImage resized = Resampler.resize(image, (int) rw, (int) rh);
        if (rw == side && rh == side) return resized;
        int top = (int) Math.round((rh - side) / 2.0), left = (int) Math.round((rw - side) / 2.0);
        int[] src = resized.pixels(), out = new int[side * side];
        for (int y = 0; y < side; y++) System.arraycopy(src, (int) ((top + y) * rw + left), out, y * side, side);
        return new RgbImage(side, side, out);
    }

    private int[] orderOf(long epochNumber) {
        int n = files.size();
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        if (shuffleSeed != null) {
            SplittableRandom r = new SplittableRandom(shuffleSeed * 0x9E3779B97F4A7C15L + epochNumber);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = o[i];
                o[i] = o[j];
                o[j] = t;
            }
        }
        return o;
    }

    /** The pictures found unusable so far, in sorted order. */
    public List<Path> unusableFiles() {
        List<Path> out = new ArrayList<>();
        unusable.stream().sorted().forEach(i -> out.add(files.get(i)));
        return out;
    }
}
