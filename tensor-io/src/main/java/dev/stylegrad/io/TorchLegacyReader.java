package dev.stylegrad.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch's legacy serialization ({@code torch.save(..., _use_new_zipfile_serialization=False)}, and everything torch
 * before 1.6 wrote, including torchvision's published 2017 VGG19): five pickles followed by raw storages.
 * <pre>
 *   pickle  magic number 0x1950a86a20f9469cfc6c
 *   pickle  protocol version 1001
 *   pickle  sys info {protocol_version, little_endian, type_sizes}
 *   pickle  the state dict; tensors refer to storages by persistent id ('storage', type, key, location, numel, view)
 *   pickle  list of storage keys, in the order their data follows
 *   for each key: int64 little-endian element count, then count × element-size raw little-endian bytes
 * </pre>
 * Opening parses the pickles and then walks the storages by reading only each 8-byte count and seeking past the data,
 * so the classifier's 470 MB in the published file are never read. The walk must end exactly at the end of the file.
 */
final class TorchLegacyReader {
    static final String FORMAT = "pytorch-legacy";
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL_VERSION = 1001;

    private TorchLegacyReader() {}

    static WeightsReader open(Path path) throws IOException {
        return FileRegion.openWith(path, TorchLegacyReader::parse);
    }

    private static WeightsReader parse(FileRegion file) throws IOException {
        Path path = file.path;
        PickleInput in = new PickleInput(file, 0, file.size, "the legacy PyTorch header");
        Object magic = RestrictedUnpickler.load(in, null, "the magic-number pickle");
        if (!MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw new WeightsFormatException(path, "not a legacy PyTorch file: expected magic number 0x"
                    + MAGIC.toString(16) + ", found " + Py.describe(magic));
        }
        Object protocol = RestrictedUnpickler.load(in, null, "the protocol-version pickle");
        if (!(protocol instanceof Long p) || p != PROTOCOL_VERSION) {
            throw new WeightsFormatException(path, "unsupported legacy PyTorch protocol version: expected "
                    + PROTOCOL_VERSION + ", found " + Py.describe(protocol));
        }
        Object sysInfo = RestrictedUnpickler.load(in, null, "the sys-info pickle");
        if (!(sysInfo instanceof Py.Dict info)) {
            throw new WeightsFormatException(path, "expected the sys-info pickle to be a dict, found " + Py.describe(sysInfo));
        }
        if (Boolean.FALSE.equals(info.items.get("little_endian"))) {
            throw new WeightsFormatException(path, "the file was written on a big-endian machine; only little-endian files are supported");
        }

        TorchStateDict dict = TorchStateDict.read(in, file.size);

        Object keyList = RestrictedUnpickler.load(in, null, "the storage-key list");
        List<Object> keys = keyList instanceof Py.PyList l ? l.items : keyList instanceof Py.Tuple t ? t.items : null;
        if (keys == null) {
            throw new WeightsFormatException(path, "expected a list of storage keys after the state dict, found " + Py.describe(keyList));
        }
        Set<String> seen = new HashSet<>();
        for (Object k : keys) {
            if (!(k instanceof String key) || !dict.storages.containsKey(key) || !seen.add(key)) {
                throw new WeightsFormatException(path, "storage-key list holds " + Py.describe(k)
                        + ", which is not a storage the state dict uses (or is listed twice)");
            }
        }
        if (seen.size() != dict.storages.size()) {
            for (String key : dict.storages.keySet()) {
                if (!seen.contains(key)) {
                    throw new WeightsFormatException(path, "the state dict uses storage '" + Py.clip(key)
                            + "', but the storage-key list does not include it, so its data is missing");
                }
            }
        }

        // Walk the storages: an 8-byte element count each, then the data, which we skip.
        Map<String, TorchReader.Location> locations = new HashMap<>();
        long pos = in.position();
        for (Object k : keys) {
            StorageRef s = dict.storages.get((String) k);
            String what = "storage '" + Py.clip(s.key()) + "'";
            long count = file.read(pos, 8, "the element count of " + what).getLong();
            if (count != s.numel()) {
                throw new WeightsFormatException(path, what + " at offset " + pos + ": the state dict declares "
                        + s.numel() + " elements, the file says " + count + " (corrupted file?)");
            }
            long bytes = s.numel() * s.type().size; // cannot overflow: numel <= file size / element size
            file.check(pos + 8, bytes, "data of " + what);
            locations.put(s.key(), new TorchReader.Location(pos + 8, bytes, -1));
            pos += 8 + bytes;
        }
        if (pos != file.size) {
            throw new WeightsFormatException(path, "expected the file to end after the last storage at byte " + pos
                    + ", but it has " + (file.size - pos) + " more bytes (corrupted or concatenated file?)");
        }
        return new TorchReader(file, FORMAT, dict, locations);
    }
}
