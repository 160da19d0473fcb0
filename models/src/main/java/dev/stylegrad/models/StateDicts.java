package dev.stylegrad.models;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.NonFiniteWeightsException;
import dev.stylegrad.io.TensorInfo;
import dev.stylegrad.io.WeightsFiles;
import dev.stylegrad.io.WeightsFormatException;
import dev.stylegrad.io.WeightsReader;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.tensor.Shapes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/** Reading a state dict whose keys and shapes a network's layout fixes, with one sentence for each way a file can differ. */
final class StateDicts {
    private StateDicts() {}

    /** Every tensor's shape by name, in the file's order. */
    /** Lets the convolutions keep these weights in their kernels' layouts (4-d tensors: the convolution weights). */
    static void freezeConvolutions(Iterable<Tensor> parameters) {
        for (Tensor t : parameters) if (t.value().rank() == 4) dev.stylegrad.tensor.Kernels.freezeConvolutionWeight(t.value());
    }

    static Map<String, long[]> shapes(Path file) throws IOException {
        try (WeightsReader reader = WeightsFiles.open(file)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) shapes.put(t.name(), t.shape());
            return shapes;
        }
    }

    /** The shape of {@code key}, which must be a 4-d convolution weight, or an exception naming the file and what it holds. */
    static long[] convolutionWeight(Path file, Map<String, long[]> shapes, String key, String network) throws WeightsFormatException {
        long[] s = shapes.get(key);
        if (s == null || s.length != 4 || s[0] < 1 || s[1] < 1) {
            throw new WeightsFormatException(file, key + (s == null ? " is missing" : " has shape " + Shapes.format(s)) + ": not " + network
                    + " state dict (its keys start with " + String.join(", ", shapes.keySet().stream().limit(4).toList()) + ")");
        }
        return s;
    }

    /**
     * The parameters of {@code layout} read from {@code file} as frozen-or-trainable tensors (outside any memory scope),
     * after checking that every key is there with its shape, that the file holds no key the layout lacks other than
     * {@code ignorable} ones, and that every value is finite.
     */
    static Map<String, Tensor> read(Path file, Map<String, long[]> layout, Predicate<String> ignorable, String network) throws IOException {
        try (WeightsReader reader = WeightsFiles.open(file)) {
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) infos.put(t.name(), t);
            TreeSet<String> unknown = new TreeSet<>(infos.keySet());
            unknown.removeAll(layout.keySet());
            unknown.removeIf(ignorable);
            if (!unknown.isEmpty()) throw new WeightsFormatException(file, "holds keys " + network + " does not have: " + String.join(", ", unknown));
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : layout.entrySet()) {
                TensorInfo info = infos.get(e.getKey());
                if (info == null) throw new WeightsFormatException(file, "missing " + e.getKey() + " (shape " + Shapes.format(e.getValue()) + ") of " + network);
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new WeightsFormatException(file, e.getKey() + " has shape " + Shapes.format(info.shape()) + ", expected "
                            + Shapes.format(e.getValue()) + " for " + network);
                }
                var values = MemoryScope.outside(() -> {
                    try {
                        return reader.read(e.getKey());
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                });
                params.put(e.getKey(), Tensor.parameter(NonFiniteWeightsException.requireFinite(file, e.getKey(), values)));
            }
            return params;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
