package dev.stylegrad.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pickled part of a PyTorch checkpoint, shared by both serializations: unpickles the state dict with the
 * {@link RestrictedUnpickler}, resolving persistent ids to {@link StorageRef}s, and checks that the result is a flat
 * mapping from names to tensors. Where the storages' bytes are is the format's business.
 */
final class TorchStateDict {
    /** Tensors by name, in state-dict order. */
    final Map<String, TensorRef> tensors;
    /** Root storages by key, in the order the pickle first mentions them. */
    final Map<String, StorageRef> storages;

    private TorchStateDict(Map<String, TensorRef> tensors, Map<String, StorageRef> storages) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.storages = Collections.unmodifiableMap(storages);
    }

    /**
     * Unpickles the state dict from {@code in}. {@code maxStorageBytes} bounds every declared storage (the bytes the
     * file could hold for it), so an absurd element count fails here rather than at allocation.
     */
    static TorchStateDict read(PickleInput in, long maxStorageBytes) throws IOException {
        Path file = in.file().path;
        Storages loader = new Storages(file, maxStorageBytes);
        Object root = RestrictedUnpickler.load(in, loader, "the pickled state dict");
        if (!(root instanceof Py.Dict dict)) {
            throw new WeightsFormatException(file, "expected the pickle to hold a state dict (a dict of name -> tensor), found "
                    + Py.describe(root));
        }
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : dict.items.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new WeightsFormatException(file, "state dict key must be a str, found " + Py.describe(e.getKey()));
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new WeightsFormatException(file, "expected a state dict of tensors, but entry '" + Py.clip(name) + "' is "
                        + Py.describe(e.getValue()) + " (full training checkpoints are not supported; save model.state_dict())");
            }
            tensors.put(name, t);
        }
        return new TorchStateDict(tensors, loader.roots);
    }

    /**
     * Resolves {@code ('storage', storage_type, key, location, numel[, view_metadata])} persistent ids. The view
     * metadata {@code (view_key, offset, size)} (torch before 1.0) selects a window of the root storage.
     */
    private static final class Storages implements RestrictedUnpickler.PersistentLoader {
        private final Path file;
        private final long maxBytes;
        final Map<String, StorageRef> roots = new LinkedHashMap<>();

        Storages(Path file, long maxBytes) {
            this.file = file;
            this.maxBytes = maxBytes;
        }

        @Override
        public Object load(Object pid, long offset) throws WeightsFormatException {
            String context = "persistent id at offset " + offset;
            if (!(pid instanceof Py.Tuple t) || (t.size() != 5 && t.size() != 6) || !"storage".equals(t.get(0))) {
                throw new WeightsFormatException(file, context + ": expected ('storage', type, key, location, numel[, view]), found "
                        + Py.describe(pid) + (pid instanceof Py.Tuple t2 && t2.size() > 0 ? " starting with " + Py.describe(t2.get(0)) : ""));
            }
            if (!(t.get(1) instanceof ElementType type)) {
                throw new WeightsFormatException(file, context + ": storage type must be a torch.*Storage class, found " + Py.describe(t.get(1)));
            }
            if (!(t.get(2) instanceof String key)) {
                throw new WeightsFormatException(file, context + ": storage key must be a str, found " + Py.describe(t.get(2)));
            }
            if (!(t.get(3) instanceof String)) {
                throw new WeightsFormatException(file, context + ": storage location must be a str, found " + Py.describe(t.get(3)));
            }
            if (!(t.get(4) instanceof Long numel) || numel < 0) {
                throw new WeightsFormatException(file, context + ": storage size must be a non-negative int, found " + Py.describe(t.get(4)));
            }
            if (numel > maxBytes / type.size) {
                throw new WeightsFormatException(file, context + ": storage '" + Py.clip(key) + "' declares " + numel + " "
                        + type.dtype + " elements, more than the " + maxBytes + " bytes the file can hold");
            }
            StorageRef root = roots.get(key);
            if (root == null) {
                root = new StorageRef(key, type, numel, 0, numel);
                roots.put(key, root);
            } else if (root.type() != type || root.numel() != numel) {
                throw new WeightsFormatException(file, context + ": storage '" + Py.clip(key) + "' was declared as " + root.numel()
                        + " " + root.type().dtype + " elements and now as " + numel + " " + type.dtype);
            }
            Object view = t.size() == 6 ? t.get(5) : null;
            if (view == null) return root;
            if (!(view instanceof Py.Tuple v) || v.size() != 3 || !(v.get(1) instanceof Long base) || !(v.get(2) instanceof Long size)
                    || base < 0 || size < 0 || base > numel || size > numel - base) {
                throw new WeightsFormatException(file, context + ": storage view must be (key, offset, size) inside the "
                        + numel + "-element storage '" + Py.clip(key) + "', found " + Py.describe(view));
            }
            return new StorageRef(key, type, numel, base, size);
        }
    }
}
