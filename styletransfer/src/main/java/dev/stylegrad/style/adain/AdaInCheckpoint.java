package dev.stylegrad.style.adain;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.SafetensorsWriter;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsReader;
import dev.stylegrad.style.checkpoint.CheckpointException;
import dev.stylegrad.style.feedforward.ParameterAdam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A decoder training's whole state in one safetensors file, written atomically: the decoder ({@code decoder.KEY}),
 * Adam's moments ({@code m.KEY}, {@code v.KEY}), the steps taken, and the settings the batches depend on (checked on
 * resume, so that a resumed training reads the batches and takes the steps the straight one would).
 */
public final class AdaInCheckpoint {
    private AdaInCheckpoint() {}

    /** What a resumed training must agree on: learning rate, decay, weights, batch, resize, crop, seed, and the folders' picture counts. */
    public static double[] identity(AdaInTraining.Settings s, int batch, int resize, int crop, long seed, int contents, int styles) {
        if (Math.abs(seed) >= 1L << 53) throw new dev.stylegrad.style.SettingsException("--seed must be below 2^53 in magnitude, got " + seed);
        return new double[] {s.lr(), s.lrDecay(), s.contentWeight(), s.styleWeight(), batch, resize, crop, seed, contents, styles};
    }

    private static final String[] NAMES = {"--lr", "--lr-decay", "--content-weight", "--style-weight", "--batch", "--resize", "--crop", "--seed",
        "the number of content pictures", "the number of style pictures"};

    public static void write(Path file, AdaInTraining training, Map<String, Tensor> decoder, double[] identity) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        decoder.forEach((k, v) -> tensors.put("decoder." + k, v.value()));
        ParameterAdam.State state = training.optimizer().state();
        state.m().forEach((k, v) -> tensors.put("m." + k, v));
        state.v().forEach((k, v) -> tensors.put("v." + k, v));
        tensors.put("steps", exact(new double[] {training.iteration()}));
        tensors.put("identity", exact(identity));
        SafetensorsWriter.write(file, tensors, Map.of("stylegrad", "AdaIN decoder training checkpoint"));
    }

    /**
     * Restores {@code training} (and its decoder) from {@code file}.
     *
     * @throws CheckpointException naming the file and the setting if it was written with other settings or folders
     */
    public static void restore(Path file, AdaInTraining training, Map<String, Tensor> decoder, double[] identity) throws IOException, CheckpointException {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file + ": no checkpoint to resume from");
        try (WeightsReader r = WeightsFiles.open(file)) {
            Map<String, TensorInfo> infos = new HashMap<>();
            for (TensorInfo t : r.tensors()) infos.put(t.name(), t);
            if (!infos.containsKey("identity") || !infos.containsKey("steps")) throw new CheckpointException(file + ": not an AdaIN training checkpoint");
            double[] saved = exact(r.read("identity"));
            for (int i = 0; i < NAMES.length; i++) {
                if (i >= saved.length || saved[i] != identity[i]) {
                    throw new CheckpointException(file + ": the checkpoint was written with " + NAMES[i] + " " + (i < saved.length ? fmt(saved[i]) : "?")
                            + ", this command has " + fmt(identity[i]) + "; resume with the same settings and folders");
                }
            }
            long steps = (long) exact(r.read("steps"))[0];
            Map<String, INDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : decoder.entrySet()) {
                String k = e.getKey();
                for (String prefix : new String[] {"decoder.", "m.", "v."}) {
                    if (!infos.containsKey(prefix + k)) throw new CheckpointException(file + ": missing " + prefix + k + " (a checkpoint of another decoder)");
                }
                e.getValue().value().assign(r.read("decoder." + k));
                if (steps > 0) {
                    m.put(k, r.read("m." + k));
                    v.put(k, r.read("v." + k));
                    counts.put(k, steps);
                }
            }
            training.optimizer().restore(new ParameterAdam.State(steps, counts, m, v));
        }
    }

    /**
     * Doubles as float32 exactly (safetensors here holds float32): each double's 64 bits as four 16-bit pieces, which
     * float32 represents exactly.
     */
    private static INDArray exact(double[] values) {
        float[] pieces = new float[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            long bits = Double.doubleToRawLongBits(values[i]);
            for (int k = 0; k < 4; k++) pieces[4 * i + k] = (bits >>> (16 * k)) & 0xFFFF;
        }
        return Nd4j.createFromArray(pieces);
    }

    private static double[] exact(INDArray pieces) throws CheckpointException {
        float[] p = pieces.castTo(DataType.FLOAT).toFloatVector();
        double[] out = new double[p.length / 4];
        for (int i = 0; i < out.length; i++) {
            long bits = 0;
            for (int k = 0; k < 4; k++) bits |= ((long) p[4 * i + k]) << (16 * k);
            out[i] = Double.longBitsToDouble(bits);
        }
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
