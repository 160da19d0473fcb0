package dev.stylegrad.style.feedforward;

import dev.stylegrad.models.TransformerNet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stylegrad.style.checkpoint.CheckpointDirectory;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.checkpoint.Fingerprint;
import dev.stylegrad.io.AtomicFiles;
import dev.stylegrad.io.Checksums;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checkpoints of {@link FeedForwardTraining}, in a {@link CheckpointDirectory} (crash-safe: {@code CURRENT} always
 * names a complete one):
 *
 * <pre>
 * DIR/step-00001000-5e0c9a1f/
 *     model.safetensors    the network, under the reference's names (stylegrad apply --model reads it as it is)
 *     adam.safetensors     Adam's moments: m.&lt;parameter&gt; and v.&lt;parameter&gt;
 *     training.json        format and version, completed steps, the picture cursor (epoch, index), Adam's step counts,
 *                          the settings fingerprint, every step's losses and seconds, the sha256 of both files
 * </pre>
 */
final class TrainingCheckpoints {
    static final String FORMAT = "stylegrad-training-checkpoint";
    /** 2: the manifest records the sha256 of its own content ({@value #MANIFEST_SHA256}); 1 did not. */
    static final int VERSION = 2;
    static final String MANIFEST_SHA256 = "manifestSha256";
    static final String MODEL = "model.safetensors", ADAM = "adam.safetensors", MANIFEST = "training.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoints() {}

    /** A read checkpoint. */
    record Saved(TransformerNet network, ParameterAdam.State adam, TrainingImages.Position position, Fingerprint fingerprint,
            List<FeedForwardTraining.LoggedStep> log) {}

    static void write(Path dir, TransformerNet net, ParameterAdam.State adam, TrainingImages.Position position, Fingerprint fingerprint,
            List<FeedForwardTraining.LoggedStep> log) throws IOException {
        CheckpointDirectory.write(dir, log.size(), target -> {
            net.save(target.resolve(MODEL));
            Map<String, INDArray> moments = new LinkedHashMap<>();
            for (String name : adam.counts().keySet()) {
                moments.put("m." + name, adam.m().get(name));
                moments.put("v." + name, adam.v().get(name));
            }
            SafetensorsWriter.write(target.resolve(ADAM), moments, Map.of("stylegrad", "Adam moments of a training checkpoint"));
            ObjectNode m = JSON.createObjectNode();
            m.put("format", FORMAT);
            m.put("version", VERSION);
            m.put("completedSteps", log.size());
            m.put("epoch", position.epoch());
            m.put("index", position.index());
            m.put("adamSteps", adam.steps());
            ObjectNode counts = m.putObject("adamCounts");
            adam.counts().forEach(counts::put);
            ObjectNode fp = m.putObject("fingerprint");
            fingerprint.values().forEach(fp::put);
            ObjectNode hashes = m.putObject("sha256");
            hashes.put(MODEL, Checksums.sha256(target.resolve(MODEL)));
            hashes.put(ADAM, Checksums.sha256(target.resolve(ADAM)));
            ArrayNode losses = m.putArray("losses");
            for (FeedForwardTraining.LoggedStep s : log) {
                losses.addArray().add(s.losses().content()).add(s.losses().style()).add(s.losses().total()).add(s.seconds());
            }
            m.put(MANIFEST_SHA256, contentHash(m));
            byte[] manifest = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
            AtomicFiles.write(target.resolve(MANIFEST), out -> out.write(manifest));
        });
    }

    static Saved read(Path dir) throws CheckpointException {
        Path ckpt = CheckpointDirectory.current(dir);
        Path manifestFile = ckpt.resolve(MANIFEST);
        JsonNode m = CheckpointDirectory.manifest(dir, MANIFEST);
        if (m == null || !m.isObject() || !FORMAT.equals(m.path("format").asText())) {
            throw CheckpointDirectory.damaged(manifestFile, "is not a stylegrad training checkpoint manifest"
                    + (m != null && m.has("optimizer") ? " (it is a `stylegrad run` checkpoint)" : ""));
        }
        int version = m.path("version").asInt(-1);
        if (version != VERSION && version != 1) {
            throw new CheckpointException(manifestFile + ": training checkpoint format version " + m.path("version") + ", but this stylegrad reads version "
                    + VERSION + "; resume it with the stylegrad that wrote it, or start a new run");
        }
        if (version >= 2) {
            ObjectNode content = ((ObjectNode) m).deepCopy();
            String recorded = content.path(MANIFEST_SHA256).asText("");
            content.remove(MANIFEST_SHA256);
            String found = contentHash(content);
            if (!found.equals(recorded)) {
                throw CheckpointDirectory.damaged(manifestFile, "its content's sha256 is " + found + ", but it records " + recorded
                        + " (the file was edited or damaged)");
            }
        }
        for (String key : List.of("completedSteps", "epoch", "index", "adamSteps")) {
            if (!m.path(key).isIntegralNumber() || m.path(key).longValue() < 0) throw CheckpointDirectory.damaged(manifestFile, key + " is missing or not a count");
        }
        if (m.path("index").longValue() > Integer.MAX_VALUE || m.path("completedSteps").longValue() > Integer.MAX_VALUE) {
            throw CheckpointDirectory.damaged(manifestFile, "index " + m.path("index") + " or completedSteps " + m.path("completedSteps") + " is out of range");
        }
        if (m.path("adamSteps").longValue() != m.path("completedSteps").longValue()) {
            throw CheckpointDirectory.damaged(manifestFile, "records " + m.path("adamSteps") + " Adam steps for " + m.path("completedSteps")
                    + " completed steps (one each)");
        }
        for (String file : List.of(MODEL, ADAM)) {
            String expected = m.path("sha256").path(file).asText(null);
            if (expected == null) throw CheckpointDirectory.damaged(manifestFile, "lists no sha256 for " + file);
            try {
                String found = Checksums.sha256(ckpt.resolve(file));
                if (!found.equals(expected)) {
                    throw CheckpointDirectory.damaged(ckpt.resolve(file), "sha256 is " + found + ", the manifest says " + expected + " (the file was changed or damaged)");
                }
            } catch (NoSuchFileException e) {
                throw CheckpointDirectory.damaged(ckpt.resolve(file), "missing");
            } catch (IOException e) {
                throw CheckpointDirectory.damaged(ckpt.resolve(file), "cannot be read (" + e.getMessage() + ")");
            }
        }
        try {
            TransformerNet net = TransformerNet.load(ckpt.resolve(MODEL));
            Map<String, Long> counts = new LinkedHashMap<>();
            long adamSteps = m.path("adamSteps").longValue();
            for (var it = m.path("adamCounts").fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isIntegralNumber() || e.getValue().longValue() != adamSteps) {
                    throw CheckpointDirectory.damaged(manifestFile, "adamCounts." + e.getKey() + " is " + e.getValue() + ", expected " + adamSteps
                            + " (every parameter is updated at every step)");
                }
                counts.put(e.getKey(), e.getValue().longValue());
            }
            if (adamSteps > 0 && !counts.keySet().equals(net.parameters().keySet())) {
                throw CheckpointDirectory.damaged(manifestFile, "adamCounts lists " + counts.size() + " parameters, the network has " + net.parameters().size());
            }
            Map<String, INDArray> mm = new LinkedHashMap<>(), vv = new LinkedHashMap<>();
            try (WeightsReader reader = WeightsFiles.open(ckpt.resolve(ADAM))) {
                List<String> names = new ArrayList<>();
                for (TensorInfo t : reader.tensors()) names.add(t.name());
                for (String name : counts.keySet()) {
                    if (!names.contains("m." + name) || !names.contains("v." + name)) {
                        throw CheckpointDirectory.damaged(ckpt.resolve(ADAM), "holds no moments for " + name);
                    }
                    mm.put(name, reader.read("m." + name));
                    vv.put(name, reader.read("v." + name));
                }
            }
            Map<String, String> fp = new LinkedHashMap<>();
            m.path("fingerprint").fields().forEachRemaining(e -> fp.put(e.getKey(), e.getValue().asText()));
            List<FeedForwardTraining.LoggedStep> log = new ArrayList<>();
            for (JsonNode row : m.path("losses")) {
                boolean numbers = row.size() == 4;
                for (int i = 0; numbers && i < 4; i++) numbers = row.get(i).isNumber() && Double.isFinite(row.get(i).doubleValue());
                if (!numbers) throw CheckpointDirectory.damaged(manifestFile, "losses entry " + log.size() + " is not [content, style, total, seconds] as finite numbers: " + row);
                log.add(new FeedForwardTraining.LoggedStep(new Trainer.Losses(row.get(0).doubleValue(), row.get(1).doubleValue(), row.get(2).doubleValue()),
                        row.get(3).doubleValue()));
            }
            if (log.size() != m.path("completedSteps").intValue()) {
                throw CheckpointDirectory.damaged(manifestFile, "expected " + m.path("completedSteps") + " losses entries (one per step), found " + log.size());
            }
            ParameterAdam.State adam = new ParameterAdam.State(m.path("adamSteps").longValue(), counts, mm, vv);
            return new Saved(net, adam, new TrainingImages.Position(m.path("epoch").longValue(), m.path("index").intValue()), new Fingerprint(fp), log);
        } catch (IOException e) {
            throw CheckpointDirectory.damaged(ckpt, e.getMessage());
        }
    }

    /** The sha256 of a manifest's content as compact JSON (its own hash field left out). */
    private static String contentHash(ObjectNode manifest) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(manifest));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e); // a tree of plain values always serializes
        }
    }
}
