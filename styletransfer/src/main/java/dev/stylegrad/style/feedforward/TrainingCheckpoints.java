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
    static final int VERSION = 1;
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
        if (m.path("version").asInt(-1) != VERSION) {
            throw new CheckpointException(manifestFile + ": training checkpoint format version " + m.path("version") + ", but this stylegrad reads version "
                    + VERSION + "; resume it with the stylegrad that wrote it, or start a new run");
        }
        for (String key : List.of("completedSteps", "epoch", "index", "adamSteps")) {
            if (!m.path(key).isIntegralNumber() || m.path(key).longValue() < 0) throw CheckpointDirectory.damaged(manifestFile, key + " is missing or not a count");
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
            m.path("adamCounts").fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().longValue()));
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
                if (row.size() != 4 || !row.get(0).isNumber()) throw CheckpointDirectory.damaged(manifestFile, "a losses entry is not [content, style, total, seconds]");
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
}
