package dev.stylegrad.cli;

import dev.stylegrad.style.LayerWeights;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.io.Checksums;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code run} options that determine the result, for checkpoints: input files by the sha256 of their bytes (the
 * weights too: about a second for the 548 MiB published file, and a renamed or touched file still matches), every
 * number in canonical form. Left out: what only says where or how often to write (--out, --save-every, --log-json,
 * --plot, --checkpoint*), how long to run (--steps, which a resume may raise; RunCommand checks the steps of the scales a
 * checkpoint completed against its own record), and --device/--threads/--max-pixels. One scale is recorded as
 * {@code --size} however it was given (so {@code --scales 512} is {@code --size 512}), several as {@code --scales}.
 */
final class RunFingerprint {
    private RunFingerprint() {}

    static Fingerprint of(RunCommand c, Path weightsFile, boolean example) throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("--content", example ? "bundled " + RunCommand.EXAMPLE_CONTENT : sha256(c.content));
        List<String> styles = new ArrayList<>();
        if (example) styles.add("bundled " + RunCommand.EXAMPLE_STYLE);
        else for (Path s : c.styles) styles.add(sha256(s));
        v.put("--style", String.join(",", styles));
        v.put("--style-blend", c.styleBlend == null ? "equal" : numbers(c.styleBlend));
        v.put("--weights", sha256(weightsFile));
        int[] sides = c.sides();
        if (sides.length == 1) v.put("--size", Integer.toString(sides[0]));
        else v.put("--scales", java.util.Arrays.stream(sides).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")));
        v.put("--style-scale", Double.toString(c.styleScale));
        v.put("--content-layers", LayerWeights.format(LayerWeights.parse(c.contentLayers)));
        v.put("--style-layers", LayerWeights.format(LayerWeights.parse(c.styleLayers)));
        v.put("--content-weight", Double.toString(c.contentWeight));
        v.put("--style-weight", Double.toString(c.styleWeight));
        v.put("--tv-weight", Double.toString(c.tvWeight));
        String optimizer = c.optimizer.toLowerCase(Locale.ROOT);
        v.put("--optimizer", optimizer);
        v.put("--lr", c.lr == null ? "default" : Double.toString(c.lr));
        if (optimizer.equals("lbfgs")) v.put("--line-search", Boolean.toString(c.lineSearch));
        if (optimizer.equals("lbfgs")) v.put("--lbfgs-history", Integer.toString(c.lbfgsHistory));
        v.put("--init", switch (c.init) {
            case "content", "random" -> c.init;
            default -> sha256(Path.of(c.init));
        });
        v.put("--seed", Long.toString(c.seed));
        v.put("--pooling", c.pooling.toLowerCase(Locale.ROOT));
        v.put("--original-colors", Boolean.toString(c.originalColors));
        // Tiles change the order of the sums: a resume with other tiles would be equal only to float rounding, not bit
        // for bit. The default (auto) is left out, so checkpoints made before --tile existed still resume.
        if (!c.tile.equals("auto")) v.put("--tile", c.tile);
        v.put("--precision", dev.stylegrad.tensor.Precision.parse(c.precision).cliName());
        return new Fingerprint(v);
    }

    /**
     * A checkpoint's fingerprint with what its stylegrad did not record yet filled in: an L-BFGS checkpoint made before
     * --lbfgs-history existed used a history of 100, and every checkpoint made before --precision existed used fp32.
     */
    static Fingerprint upgraded(Fingerprint saved, String optimizer) {
        boolean history = "lbfgs".equals(optimizer) && !saved.values().containsKey("--lbfgs-history");
        boolean precision = !saved.values().containsKey("--precision");
        if (!history && !precision) return saved;
        Map<String, String> v = new LinkedHashMap<>(saved.values());
        if (history) v.put("--lbfgs-history", Integer.toString(dev.stylegrad.style.optim.Lbfgs.DEFAULT_HISTORY));
        if (precision) v.put("--precision", dev.stylegrad.tensor.Precision.FP32.cliName());
        return new Fingerprint(v);
    }

    private static String sha256(Path file) throws IOException {
        return "sha256:" + Checksums.sha256(file);
    }

    private static String numbers(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double d : values) b.append(b.length() == 0 ? "" : ",").append(d);
        return b.toString();
    }
}
