package dev.stylegrad.style.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.stylegrad.io.AtomicFiles;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/** Reads PNG/JPEG (and anything else ImageIO decodes) to {@link RgbImage}; writes PNG or JPEG by extension, atomically. */
public final class ImageFiles {
    /** Default pixel budget: 64 megapixels (an 8192×8192 image). */
    public static final long DEFAULT_MAX_PIXELS = 64L * 1024 * 1024;

    static {
        // ImageIO's disk cache for streams registers deleteOnExit, which throws once JVM shutdown has begun, so the
        // image saved on Ctrl-C would be lost; our images fit in memory.
        ImageIO.setUseCache(false);
    }

    private ImageFiles() {}

    /**
     * Decodes an image to 8-bit RGB. The declared size is read from the header first, so an image declaring more
     * than {@code maxPixels} pixels (a decompression bomb, say) is refused before any pixel memory is allocated.
     *
     * @throws ImageInputException naming the file and what is wrong with it
     */
    /** Decoder warnings that mean the data is damaged (libjpeg's "Premature end of JPEG file", "Corrupt JPEG data"). */
    private static final java.util.regex.Pattern DAMAGE = java.util.regex.Pattern.compile("premature|corrupt|truncat|end of (file|stream)",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    public static RgbImage read(Path file, long maxPixels) throws IOException {
        return open(file, maxPixels, (reader, w, h) -> decode(file, reader));
    }

    /**
     * The width and height an image declares in its header, checked as {@link #read} checks them, without decoding
     * its pixels: to plan work on pictures before any of it starts.
     */
    public static int[] dimensions(Path file, long maxPixels) throws IOException {
        return open(file, maxPixels, (reader, w, h) -> new int[] {w, h});
    }

    private interface HeaderRead<T> {
        T apply(ImageReader reader, int width, int height) throws IOException;
    }

    private static <T> T open(Path file, long maxPixels, HeaderRead<T> then) throws IOException {
        if (!Files.exists(file)) throw new ImageInputException(file, "no such file");
        if (Files.isDirectory(file)) throw new ImageInputException(file, "is a directory, not a picture");
        if (!Files.isRegularFile(file)) throw new ImageInputException(file, "not a regular file (a FIFO, socket or device)");
        if (!Files.isReadable(file)) throw new ImageInputException(file, "cannot be read (permission denied)");
        if (Files.size(file) == 0) throw new ImageInputException(file, "the file is empty (0 bytes)");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new ImageInputException(file, "cannot open the file for reading");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageInputException(file, "not a PNG or JPEG image (unrecognized content" + extensionHint(file) + ")");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < 1 || h < 1) throw new ImageInputException(file, "the image declares an empty size " + w + "x" + h);
                if (w * h > maxPixels) {
                    throw new ImageInputException(file, "the image declares " + w + "x" + h + " = " + w * h + " pixels, more than the limit of "
                            + maxPixels + " (raise it with --max-pixels if this is intended)");
                }
                return then.apply(reader, (int) w, (int) h);
            } finally {
                reader.dispose();
            }
        } catch (ImageInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageInputException(file, "cannot decode the image (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); is it truncated or corrupt?", e);
        }
    }

    private static RgbImage decode(Path file, ImageReader reader) throws IOException {
        boolean cmyk = isCmyk(reader);
        // Decoders report damage they can paper over (a JPEG cut short decodes with a grey bottom) as
        // warnings, not exceptions; a damaged picture would silently become a wrong result, so refuse it.
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> {
            if (DAMAGE.matcher(warning).find()) warnings.add(warning);
        });
        BufferedImage img = reader.read(0);
        if (!warnings.isEmpty()) {
            throw new ImageInputException(file, "the image is damaged (the decoder says: " + String.join("; ", warnings)
                    + "); is it truncated or corrupt?");
        }
        RgbImage rgb = toRgb(img);
        if (cmyk && !rgb.conversions().contains(CMYK)) {
            List<String> conversions = new ArrayList<>(rgb.conversions());
            conversions.add(CMYK);
            rgb = new RgbImage(rgb.width(), rgb.height(), rgb.pixels(), conversions);
        }
        return rgb;
    }

    private static String extensionHint(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg") ? ", despite its extension" : "";
    }

    private static final String CMYK = "CMYK converted to RGB";

    /** CMYK/YCCK JPEGs are converted to RGB inside the decoder, so ask what the file itself holds. */
    private static boolean isCmyk(ImageReader reader) {
        try {
            javax.imageio.ImageTypeSpecifier raw = reader.getRawImageType(0);
            return raw != null && raw.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK;
        } catch (IOException | RuntimeException e) {
            return false; // only used to tell the user; decoding proper reports real problems
        }
    }

    private static RgbImage toRgb(BufferedImage img) {
        List<String> conversions = new ArrayList<>();
        ColorModel cm = img.getColorModel();
        int type = cm.getColorSpace().getType();
        if (type == ColorSpace.TYPE_GRAY) conversions.add("grayscale expanded to RGB");
        if (type == ColorSpace.TYPE_CMYK) conversions.add(CMYK);
        int bits = cm.getComponentSize(0);
        if (bits > 8) conversions.add(bits + "-bit samples reduced to 8-bit");
        if (cm instanceof java.awt.image.IndexColorModel) conversions.add("palette expanded to RGB");
        boolean alpha = cm.hasAlpha();
        if (alpha) conversions.add("alpha channel composited over white");
        int w = img.getWidth(), h = img.getHeight();
        int[] argb = cm instanceof ComponentColorModel && (type == ColorSpace.TYPE_GRAY || type == ColorSpace.TYPE_RGB)
                ? fromSamples(img, type == ColorSpace.TYPE_GRAY ? 1 : 3, alpha, bits)
                : img.getRGB(0, 0, w, h, null, 0, w); // palette, CMYK, ...: let Java2D convert to sRGB
        int[] rgb = new int[argb.length];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            if (alpha) {
                int a = p >>> 24;
                int r = ((p >> 16) & 0xFF) * a + 255 * (255 - a);
                int g = ((p >> 8) & 0xFF) * a + 255 * (255 - a);
                int b = (p & 0xFF) * a + 255 * (255 - a);
                rgb[i] = ((r + 127) / 255) << 16 | ((g + 127) / 255) << 8 | ((b + 127) / 255);
            } else {
                rgb[i] = p & 0xFFFFFF;
            }
        }
        return new RgbImage(w, h, rgb, conversions);
    }

    /**
     * ARGB from the raw samples of a grey or RGB image. Java2D treats grey images as linear light and would
     * brighten them on conversion; PNG and JPEG grey is gamma-encoded like sRGB, so samples are only rescaled to
     * 8 bits (with rounding) and replicated.
     */
    private static int[] fromSamples(BufferedImage img, int colorBands, boolean alpha, int bits) {
        Raster raster = img.getRaster();
        int w = img.getWidth(), h = img.getHeight();
        double max = (1L << bits) - 1;
        int[] sample = new int[raster.getNumBands()];
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, sample);
                int r = to8(sample[0], max);
                int g = colorBands == 3 ? to8(sample[1], max) : r;
                int b = colorBands == 3 ? to8(sample[2], max) : r;
                int a = alpha ? to8(sample[colorBands], max) : 255;
                out[y * w + x] = a << 24 | r << 16 | g << 8 | b;
            }
        }
        return out;
    }

    private static int to8(int sample, double max) {
        return (int) Math.round(sample * 255.0 / max);
    }

    /** "png" or "jpeg" for an output path, or an error naming the path when its extension is neither. */
    public static String formatFor(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) return "png";
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) return "jpeg";
        throw new IllegalArgumentException(file + ": output images must end in .png, .jpg or .jpeg");
    }

    /**
     * Checks, before any work starts, that {@code file} can be written: a known extension and an existing, writable
     * directory.
     */
    public static void checkWritable(Path file) throws IOException {
        formatFor(file);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) throw new IOException(file + ": the output directory " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new IOException(file + ": the output directory " + dir + " is not writable");
        if (Files.exists(file) && !Files.isWritable(file)) throw new IOException(file + ": exists and is not writable");
    }

    /** Writes PNG or JPEG (quality 95) by extension, atomically ({@link AtomicFiles}). */
    public static void write(RgbImage image, Path file) throws IOException {
        String format = formatFor(file);
        BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, image.width(), image.height(), image.pixels(), 0, image.width());
        try {
            writeAtomically(img, format, file);
        } catch (IOException e) {
            // ImageIO wraps the system's reason ("No space left on device") in a generic message: report the reason.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            throw new IOException(file + ": cannot write the image: " + reason + " (nothing was written; an existing file is unchanged)", e);
        }
    }

    private static void writeAtomically(BufferedImage img, String format, Path file) throws IOException {
        AtomicFiles.write(file, stream -> {
            ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(stream)) {
                writer.setOutput(out);
                ImageWriteParam param = writer.getDefaultWriteParam();
                if (format.equals("jpeg")) {
                    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    param.setCompressionQuality(0.95f);
                }
                writer.write(null, new IIOImage(img, null, null), param);
            } finally {
                writer.dispose();
            }
        });
    }
}
