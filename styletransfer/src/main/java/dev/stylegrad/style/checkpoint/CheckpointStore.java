package dev.stylegrad.style.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.io.AtomicFiles;
import dev.stylegrad.io.Npy;
import dev.stylegrad.io.Checksums;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A checkpoint directory and its crash-safe update. Layout:
 *
 * <pre>
 * DIR/CURRENT                         one line: the name of the complete checkpoint below (the only thing read first)
 * DIR/step-00000120-5e0c9a1f/
 *     checkpoint.json                 format and version, completed steps, the scale and the steps per scale,
 *                                     optimizer name and scalars, fingerprint, logged losses, and the sha256 of
 *                                     every .npy beside it
 *     image.npy                       the normalized image, float32 [1,3,H,W]
 *     opt-&lt;name&gt;.npy                  one per optimizer array (Adam: m, v; L-BFGS: g, gPrev, xPrev, s0, y0, ...)
 * </pre>
 *
 * The directory is a {@link CheckpointDirectory}: a new checkpoint goes into a fresh sibling directory; its files are fsynced, then {@code CURRENT} is replaced
 * atomically ({@link AtomicFiles}) and only then is the old directory deleted. A crash at any instant therefore leaves
 * {@code CURRENT} naming a complete checkpoint (the old or the new one); reading follows {@code CURRENT} only and
 * ignores half-written leftovers, which the next write removes. Nothing else in DIR is touched.
 */
public final class CheckpointStore {
    public static final String POINTER = CheckpointDirectory.POINTER;
    public static final String MANIFEST = "checkpoint.json";
    public static final String IMAGE = "image.npy";
    static final String FORMAT = "stylegrad-checkpoint";
    /** Written now. Version 2 added {@code scale} and {@code stepsPerScale}; version 1 (one scale) is still read. */
    static final int VERSION = 2;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointStore() {}

    /** Whether {@code dir} holds a checkpoint (a {@code CURRENT} pointer), complete or not. */
    public static boolean exists(Path dir) {
        return CheckpointDirectory.exists(dir);
    }

    /** Writes {@code c} as DIR's current checkpoint (creating DIR if needed) and removes the one it replaces. */
    public static void write(Path dir, Checkpoint c) throws IOException {
        CheckpointDirectory.write(dir, c.completedSteps(), target -> {
            Map<String, String> hashes = new TreeMap<>();
            writeArray(c.image(), target, IMAGE, hashes);
            ObjectNode scalars = JSON.createObjectNode(), arrays = JSON.createObjectNode();
            for (Map.Entry<String, Object> e : new TreeMap<>(c.optimizerState()).entrySet()) {
                String key = e.getKey();
                if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("optimizer state key '" + key + "' is not a plain name");
                Object v = e.getValue();
                if (v instanceof INDArray a) {
                    writeArray(a, target, "opt-" + key + ".npy", hashes);
                    arrays.put(key, "opt-" + key + ".npy");
                } else if (v instanceof Boolean b) {
                    scalars.put(key, b);
                } else if (v instanceof Double || v instanceof Float) {
                    double d = ((Number) v).doubleValue();
                    if (!Double.isFinite(d)) throw new IllegalArgumentException("optimizer state '" + key + "' is not finite: " + d);
                    scalars.put(key, d);
                } else if (v instanceof Number n) {
                    scalars.put(key, n.longValue());
                } else {
                    throw new IllegalArgumentException("optimizer state '" + key + "' has unsupported type " + v.getClass().getSimpleName());
                }
            }
            ObjectNode m = JSON.createObjectNode();
            m.put("format", FORMAT);
            m.put("version", VERSION);
            m.put("completedSteps", c.completedSteps());
            m.put("scale", c.scale());
            if (c.stepsPerScale() != null) {
                ArrayNode perScale = m.putArray("stepsPerScale");
                for (int n : c.stepsPerScale()) perScale.add(n);
            }
            m.put("optimizer", c.optimizer());
            ObjectNode fp = m.putObject("fingerprint");
            c.fingerprint().values().forEach(fp::put);
            m.set("optimizerScalars", scalars);
            m.set("optimizerArrays", arrays);
            ObjectNode files = m.putObject("sha256");
            hashes.forEach(files::put);
            ArrayNode losses = m.putArray("losses");
            for (Checkpoint.LoggedStep s : c.losses()) {
                Objective.Evaluation e = s.losses();
                losses.addArray().add(e.content()).add(e.style()).add(e.tv()).add(e.total()).add(s.seconds());
            }
            byte[] manifest = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
            AtomicFiles.write(target.resolve(MANIFEST), out -> out.write(manifest));
        });
    }

    /** Reads DIR's current checkpoint; a missing or damaged file is a {@link CheckpointException} naming it. */
    public static Checkpoint read(Path dir) throws CheckpointException {
        Path ckpt = CheckpointDirectory.current(dir);
        Path manifestFile = ckpt.resolve(MANIFEST);
        JsonNode m = CheckpointDirectory.manifest(dir, MANIFEST);
        if (m == null || !m.isObject() || !FORMAT.equals(m.path("format").asText())) throw damaged(manifestFile, "is not a stylegrad checkpoint manifest");
        int version = m.path("version").asInt(-1);
        if (version != 1 && version != VERSION) {
            throw new CheckpointException(manifestFile + ": checkpoint format version " + m.path("version") + ", but this stylegrad reads versions 1 to "
                    + VERSION + "; resume it with the stylegrad that wrote it, or start a new run");
        }
        try {
            JsonNode steps = field(m, "completedSteps");
            if (!steps.canConvertToInt() || !steps.isIntegralNumber() || steps.intValue() < 0) throw damaged(manifestFile, "completedSteps is not a step count: " + steps);
            int completed = steps.intValue();
            int scale = 0;
            int[] perScale = null;
            if (version >= 2) {
                JsonNode sc = field(m, "scale");
                if (!sc.isIntegralNumber() || !sc.canConvertToInt() || sc.intValue() < 0) throw damaged(manifestFile, "scale is not a scale index: " + sc);
                scale = sc.intValue();
                JsonNode ps = m.get("stepsPerScale");
                if (ps != null) {
                    if (!ps.isArray() || ps.size() <= scale) throw damaged(manifestFile, "stepsPerScale is not a step count per scale up to scale " + scale + ": " + ps);
                    perScale = new int[ps.size()];
                    for (int k = 0; k < perScale.length; k++) {
                        JsonNode n = ps.get(k);
                        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) throw damaged(manifestFile, "stepsPerScale holds " + n + ", not a step count");
                        perScale[k] = n.intValue();
                    }
                }
            }
            String optimizer = field(m, "optimizer").asText();
            Map<String, String> hashes = new HashMap<>();
            field(m, "sha256").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
            INDArray image = readArray(ckpt, IMAGE, hashes);
            if (image.rank() != 4 || image.size(0) != 1 || image.size(1) != 3) {
                throw damaged(ckpt.resolve(IMAGE), "expected a [1, 3, H, W] image, found shape " + java.util.Arrays.toString(image.shape()));
            }
            Map<String, Object> state = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = field(m, "optimizerScalars").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isBoolean()) state.put(e.getKey(), v.booleanValue());
                else if (v.isIntegralNumber()) state.put(e.getKey(), v.longValue());
                else if (v.isFloatingPointNumber()) state.put(e.getKey(), v.doubleValue());
                else throw damaged(manifestFile, "optimizer scalar '" + e.getKey() + "' is not a number or boolean");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = field(m, "optimizerArrays").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String file = e.getValue().asText();
                if (!file.equals("opt-" + e.getKey() + ".npy") || !KEY.matcher(e.getKey()).matches()) {
                    throw damaged(manifestFile, "optimizer array '" + e.getKey() + "' points at '" + abbreviate(file) + "'");
                }
                state.put(e.getKey(), readArray(ckpt, file, hashes));
            }
            Map<String, String> fp = new LinkedHashMap<>();
            field(m, "fingerprint").fields().forEachRemaining(e -> fp.put(e.getKey(), e.getValue().asText()));
            List<Checkpoint.LoggedStep> losses = new ArrayList<>();
            for (JsonNode row : field(m, "losses")) {
                if (row.size() != 5 || !row.get(0).isNumber()) throw damaged(manifestFile, "a losses entry is not [content, style, tv, total, seconds]");
                losses.add(new Checkpoint.LoggedStep(new Objective.Evaluation(row.get(0).doubleValue(), row.get(1).doubleValue(),
                        row.get(2).doubleValue(), row.get(3).doubleValue()), row.get(4).doubleValue()));
            }
            if (losses.size() != completed) throw damaged(manifestFile, "expected " + completed + " losses entries (one per completed step), found " + losses.size());
            return new Checkpoint(completed, image, optimizer, state, new Fingerprint(fp), losses, scale, perScale);
        } catch (MissingField e) {
            throw damaged(manifestFile, "has no '" + e.getMessage() + "'");
        }
    }

    /** Unchecked inside {@link #read}'s parsing, turned into a {@link CheckpointException} there. */
    private static final class MissingField extends RuntimeException {
        MissingField(String key) {
            super(key, null, false, false);
        }
    }

    private static JsonNode field(JsonNode m, String key) {
        JsonNode v = m.get(key);
        if (v == null || v.isNull()) throw new MissingField(key);
        return v;
    }

    private static void writeArray(INDArray a, Path dir, String file, Map<String, String> hashes) throws IOException {
        Path f = dir.resolve(file);
        Npy.write(a, f);
        hashes.put(file, Checksums.sha256(f));
    }

    private static INDArray readArray(Path dir, String file, Map<String, String> hashes) throws CheckpointException {
        Path f = dir.resolve(file);
        String expected = hashes.get(file);
        if (expected == null) throw damaged(dir.resolve(MANIFEST), "lists no sha256 for " + file);
        try {
            String found = Checksums.sha256(f);
            if (!found.equals(expected)) throw damaged(f, "sha256 is " + found + ", the manifest says " + expected + " (the file was changed or damaged)");
            return Npy.read(f);
        } catch (NoSuchFileException e) {
            throw damaged(f, "missing");
        } catch (IOException e) {
            throw damaged(f, e.getMessage().startsWith(f.toString()) ? e.getMessage().substring(f.toString().length()).replaceFirst("^: ", "") : e.getMessage());
        }
    }

    private static CheckpointException damaged(Path file, String what) {
        return CheckpointDirectory.damaged(file, what);
    }

    private static String abbreviate(String s) {
        return CheckpointDirectory.abbreviate(s);
    }
}
