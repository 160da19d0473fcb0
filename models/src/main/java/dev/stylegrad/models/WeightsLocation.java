package dev.stylegrad.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where weights live when the user does not name a file: the {@code STYLEGRAD_WEIGHTS} environment variable (a file,
 * or a directory to look in), else the checkout's {@code weights/} directory (the launcher passes the checkout as
 * system property {@code stylegrad.home}), else {@code ./weights}. In a directory the features-only safetensors cache
 * is preferred over the published {@code .pth}, because it loads faster.
 */
public final class WeightsLocation {
    public static final String ENV = "STYLEGRAD_WEIGHTS";
    public static final String HOME_PROPERTY = "stylegrad.home";

    private WeightsLocation() {}

    /** The directory weights are fetched into and looked up in. */
    public static Path directory() {
        return directory(System.getenv(), System.getProperty(HOME_PROPERTY));
    }

    static Path directory(Map<String, String> env, String home) {
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isDirectory(p) || !p.getFileName().toString().contains(".") ? p : p.toAbsolutePath().getParent();
        }
        return home != null && !home.isBlank() ? Path.of(home, "weights") : Path.of("weights");
    }

    /**
     * The weights file to use: {@code explicit} if given; else the environment's file; else, in {@link #directory()},
     * the safetensors cache if present, else the published .pth (which may not exist yet: callers report that).
     */
    public static Path resolve(Path explicit) {
        return resolve(explicit, System.getenv(), System.getProperty(HOME_PROPERTY));
    }

    static Path resolve(Path explicit, Map<String, String> env, String home) {
        if (explicit != null) return explicit;
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank() && Files.isRegularFile(Path.of(configured))) return Path.of(configured);
        Path dir = directory(env, home);
        Path cache = dir.resolve(PublishedWeights.FEATURES_FILE_NAME);
        return Files.isRegularFile(cache) ? cache : dir.resolve(PublishedWeights.FILE_NAME);
    }

    /** What to tell a user whose weights file is missing: every way to get one. */
    public static String howToGet(Path missing) {
        Path dir = missing.toAbsolutePath().getParent();
        return "VGG19 weights not found at " + missing + ". Get them with `./stylegrad weights fetch` (downloads "
                + PublishedWeights.URL + ", " + PublishedWeights.SIZE + " bytes, checked against its sha256), or download that URL"
                + " yourself and put the file at " + dir.resolve(PublishedWeights.FILE_NAME) + ", or point --weights or "
                + ENV + " at a weights file (.pth or .safetensors).";
    }

    /** The AdaIN network file to use: {@code explicit} if given, else the published file's name in {@link #directory()}. */
    public static Path resolveAdaIn(Path explicit, boolean decoder) {
        if (explicit != null) return explicit;
        return directory().resolve(decoder ? PublishedWeights.ADAIN_DECODER_FILE_NAME : PublishedWeights.ADAIN_ENCODER_FILE_NAME);
    }

    /** What to tell a user whose AdaIN encoder or decoder file is missing: every way to get one. */
    public static String howToGetAdaIn(Path missing, boolean decoder) {
        String what = decoder ? "AdaIN decoder" : "AdaIN encoder";
        String url = decoder ? PublishedWeights.ADAIN_DECODER_URL : PublishedWeights.ADAIN_ENCODER_URL;
        String name = decoder ? PublishedWeights.ADAIN_DECODER_FILE_NAME : PublishedWeights.ADAIN_ENCODER_FILE_NAME;
        Path dir = missing.toAbsolutePath().getParent();
        return what + " not found at " + missing + ". Get both AdaIN files with `./stylegrad weights fetch --model adain` (downloads "
                + url + ", checked against its sha256), or download that URL yourself and put the file at " + dir.resolve(name)
                + ", or give --" + (decoder ? "decoder" : "vgg") + " FILE (a .pth or .safetensors"
                + (decoder ? ", e.g. one `train-adain` wrote" : "") + ").";
    }
}
