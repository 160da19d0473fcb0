package dev.stylegrad.spark;

import dev.stylegrad.models.TransformerNet;
import dev.stylegrad.style.InputImages;
import dev.stylegrad.style.feedforward.PicturePlan;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.tensor.MemoryScope;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** One picture: read from any Hadoop file system, stylized as {@code stylegrad apply} does, written atomically. */
final class PictureWork {
    private PictureWork() {}

    /** Where one picture's seconds went: reading and decoding, the network, encoding and writing. */
    record Seconds(double read, double network, double write) {}

    static Seconds stylize(TransformerNet net, Path source, Path target, Integer size, long maxPixels, Configuration conf) throws IOException {
        long t0 = System.nanoTime(), t1, t2;
        java.nio.file.Path local = null, scratch = null, encoded = null;
        try {
            FileSystem in = source.getFileSystem(conf);
            if ("file".equals(in.getUri().getScheme())) {
                local = java.nio.file.Path.of(source.toUri());
            } else {
                scratch = Files.createTempFile("stylegrad-in-", "-" + source.getName());
                in.copyToLocalFile(false, source, new Path(scratch.toUri()), true);
                local = scratch;
            }
            PicturePlan plan = PicturePlan.of(local, size, maxPixels); // from the header, before decoding
            if (!plan.ok()) throw new IllegalArgumentException(plan.problem());
            RgbImage result;
            try (MemoryScope scope = MemoryScope.open("spark-apply")) {
                var pixels = Pictures.toArray(InputImages.load(local, size, maxPixels));
                t1 = System.nanoTime();
                result = Pictures.fromArray(net.apply(pixels));
            }
            t2 = System.nanoTime();
            FileSystem out = target.getFileSystem(conf);
            if ("file".equals(out.getUri().getScheme())) {
                java.nio.file.Path file = java.nio.file.Path.of(target.toUri());
                Files.createDirectories(file.getParent());
                ImageFiles.write(result, file); // atomic: a temporary renamed into place
            } else {
                encoded = Files.createTempFile("stylegrad-out-", "-" + target.getName());
                ImageFiles.write(result, encoded);
                java.nio.file.Path bytes = encoded;
                HadoopFiles.writeAtomically(out, target, o -> Files.copy(bytes, o));
            }
            return new Seconds((t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9);
        } finally {
            if (scratch != null) Files.deleteIfExists(scratch);
            if (encoded != null) Files.deleteIfExists(encoded);
        }
    }
}
