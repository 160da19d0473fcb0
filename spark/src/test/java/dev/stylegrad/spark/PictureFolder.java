package dev.stylegrad.spark;

import dev.stylegrad.style.examples.ExampleImages;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A collection to stylize: landscapes drawn by ExampleImages at mixed sizes and formats, in subfolders, plus broken files. */
final class PictureFolder {
    private PictureFolder() {}

    /** Writes {@code count} pictures and {@code broken} broken ones under {@code dir}; returns the broken files' names. */
    static List<String> write(Path dir, int count, int broken) throws IOException {
        return write(dir, count, broken, 1);
    }

    /** As {@link #write(Path, int, int)}, with every side {@code scale} times longer. */
    static List<String> write(Path dir, int count, int broken, int scale) throws IOException {
        Path drawn = Files.createTempDirectory("stylegrad-drawn");
        ExampleImages.main(new String[] {drawn.toString(), "1", Integer.toString(count)});
        for (int k = 1; k <= count; k++) {
            RgbImage img = ImageFiles.read(drawn.resolve(String.format("landscape-%04d.png", k)), ImageFiles.DEFAULT_MAX_PIXELS);
            int w = scale * (64 + 37 * (k % 7)), h = scale * (48 + 29 * (k % 5)); // mixed sizes and aspects
            String name = String.format("%s/pic-%04d.%s", k % 3 == 0 ? "sub/deeper" : k % 3 == 1 ? "sub" : ".", k, k % 4 == 0 ? "jpg" : "png");
            Path out = dir.resolve(name).normalize();
            Files.createDirectories(out.getParent());
            ImageFiles.write(Resampler.resize(img, w, h), out);
            Files.delete(drawn.resolve(String.format("landscape-%04d.png", k)));
        }
        Files.delete(drawn);
        List<String> names = new java.util.ArrayList<>();
        for (int k = 1; k <= broken; k++) {
            String name = "broken-" + k + (k % 2 == 0 ? ".jpg" : ".png");
            Files.writeString(dir.resolve(name), k == 1 ? "" : "not a picture " + k); // empty, or text named as a picture
            names.add(name);
        }
        Files.writeString(dir.resolve("notes.txt"), "not a picture, not listed");
        return names;
    }
}
