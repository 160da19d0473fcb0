package dev.stylegrad.style.adain;

import dev.stylegrad.style.feedforward.TrainingImages;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training batches of one folder, as {@code train.py}'s data loader gives them: pictures in a random order per
 * epoch (its infinite sampler), each resized to {@code resize}×{@code resize} (not keeping its aspect, as
 * {@code transforms.Resize((512, 512))}) and cropped to {@code crop}×{@code crop} at a random place, in 0..1. Unlike
 * the reference's, the order and the crops are a function of the seed and the step alone, so a training resumed at step
 * i reads exactly the batches the straight one read. A picture that cannot be read is reported once and its place
 * taken by the next picture of the order.
 *
 * <p>Not thread-safe: one training loop owns it.
 */
public final class AdaInTrainingPictures {
    private static final int CACHE = 256;

    private final List<Path> files;
    private final int resize, crop;
    private final long seed;
    private final long maxPixels;
    private final BiConsumer<Path, String> onSkip;
    private final TreeSet<Integer> unusable = new TreeSet<>();
    private final Map<Integer, RgbImage> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, RgbImage> eldest) {
            return size() > CACHE;
        }
    };

    private AdaInTrainingPictures(List<Path> files, int resize, int crop, long seed, long maxPixels, BiConsumer<Path, String> onSkip) {
        this.files = files;
        this.resize = resize;
        this.crop = crop;
        this.seed = seed;
        this.maxPixels = maxPixels;
        this.onSkip = onSkip;
    }

    /**
     * The pictures in {@code folder} and below (sorted by path).
     *
     * @throws IOException naming the folder if it holds no picture
     */
    public static AdaInTrainingPictures under(Path folder, int resize, int crop, long seed, long maxPixels, BiConsumer<Path, String> onSkip) throws IOException {
        if (crop < 16 || crop > resize) throw new dev.stylegrad.style.SettingsException("--crop must be at least 16 and at most --resize (" + resize + "), got " + crop);
        if (!Files.isDirectory(folder)) throw new IOException(folder + ": not a folder of pictures");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile).filter(TrainingImages::isPicture).sorted().forEach(files::add);
        }
        if (files.isEmpty()) throw new IOException(folder + ": no .png, .jpg or .jpeg files in this folder or below");
        return new AdaInTrainingPictures(List.copyOf(files), resize, crop, seed, maxPixels, onSkip);
    }

    public List<Path> files() {
        return files;
    }

    /** The batch of step {@code step}: [batch, 3, crop, crop] float32 in 0..1. */
    public INDArray batch(long step, int batch) throws IOException {
        float[] data = new float[batch * 3 * crop * crop];
        int plane = crop * crop;
        for (int k = 0; k < batch; k++) {
            long position = step * batch + k;
            RgbImage picture = picture(position);
            SplittableRandom r = new SplittableRandom(mix(seed, position) ^ 0x5DEECE66DL);
            int x0 = r.nextInt(resize - crop + 1), y0 = r.nextInt(resize - crop + 1);
            int[] p = picture.pixels();
            int base = k * 3 * plane;
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    int v = p[(y0 + y) * resize + x0 + x], i = y * crop + x;
                    data[base + i] = ((v >> 16) & 0xff) / 255f;
                    data[base + plane + i] = ((v >> 8) & 0xff) / 255f;
                    data[base + 2 * plane + i] = (v & 0xff) / 255f;
                }
            }
        }
        return Nd4j.create(data, new long[] {batch, 3, crop, crop}, DataType.FLOAT);
    }

    /** The resized picture at a position of the infinite order, or the next usable one after it. */
    private RgbImage picture(long position) throws IOException {
        for (long p = position; ; p++) {
            int index = order(p / files.size())[(int) (p % files.size())];
            if (unusable.contains(index)) continue;
            RgbImage cached = cache.get(index);
            if (cached != null) return cached;
            try {
                RgbImage picture = Resampler.resize(ImageFiles.read(files.get(index), maxPixels), resize, resize);
                cache.put(index, picture);
                return picture;
            } catch (IOException | RuntimeException e) {
                unusable.add(index);
                onSkip.accept(files.get(index), TrainingImages.whyUnusable(e));
                if (unusable.size() == files.size()) throw new IOException("none of the " + files.size() + " pictures could be read (the last: " + files.get(index) + ")");
            }
        }
    }

    private int[] lastOrder;
    private long lastEpoch = -1;

    /** Epoch {@code epoch}'s permutation of the files (Fisher–Yates from a generator seeded by the seed and the epoch). */
    private int[] order(long epoch) {
        if (epoch == lastEpoch) return lastOrder;
        int[] o = new int[files.size()];
        for (int i = 0; i < o.length; i++) o[i] = i;
        SplittableRandom r = new SplittableRandom(mix(seed, epoch));
        for (int i = o.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        lastEpoch = epoch;
        lastOrder = o;
        return o;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
