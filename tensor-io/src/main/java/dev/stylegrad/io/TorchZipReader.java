package dev.stylegrad.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * PyTorch's zip serialization (the default since torch 1.6): an uncompressed zip whose entries all sit under one
 * top-level folder, {@code <archive>/data.pkl} (the pickled state dict, with persistent ids
 * {@code ('storage', type, key, location, numel)}), {@code <archive>/data/<key>} (each storage's raw little-endian
 * bytes) and small metadata entries ({@code version}, and {@code byteorder} since torch 2.0). Opening parses the
 * central directory and data.pkl and checks every storage entry's header and size; data is read per tensor later.
 */
final class TorchZipReader {
    static final String FORMAT = "pytorch-zip";

    private TorchZipReader() {}

    static WeightsReader open(Path path) throws IOException {
        return FileRegion.openWith(path, TorchZipReader::parse);
    }

    private static WeightsReader parse(FileRegion file) throws IOException {
        Path path = file.path;
        ZipDirectory zip = ZipDirectory.read(file);
        ZipDirectory.Entry pkl = null;
        for (ZipDirectory.Entry e : zip.entries.values()) {
            String n = e.name();
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                if (pkl != null) throw new WeightsFormatException(path, "zip holds more than one data.pkl: " + pkl.name() + ", " + n);
                pkl = e;
            }
        }
        if (pkl == null) {
            throw new WeightsFormatException(path, "expected a PyTorch zip checkpoint with an '<archive>/data.pkl' entry, found "
                    + zip.entries.size() + " entries and no data.pkl");
        }
        String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());

        ZipDirectory.Entry byteorder = zip.entries.get(prefix + "byteorder");
        if (byteorder != null) {
            long start = zip.dataStart(byteorder);
            int len = (int) Math.min(byteorder.size(), 16);
            String order = StandardCharsets.US_ASCII.decode(file.read(start, len, "the byteorder entry")).toString().trim();
            if (!order.equals("little")) {
                throw new WeightsFormatException(path, "expected byteorder 'little', found '" + Py.clip(order) + "'");
            }
        }

        long pklStart = zip.dataStart(pkl);
        PickleInput in = new PickleInput(file, pklStart, pklStart + pkl.size(), "the pickled state dict (" + pkl.name() + ")");
        TorchStateDict dict = TorchStateDict.read(in, file.size);
        if (in.remaining() != 0) {
            throw new WeightsFormatException(path, pkl.name() + " has " + in.remaining() + " bytes after the pickle's STOP opcode");
        }

        Map<String, TorchReader.Location> locations = new HashMap<>();
        for (StorageRef s : dict.storages.values()) {
            String name = prefix + "data/" + s.key();
            ZipDirectory.Entry e = zip.entries.get(name);
            if (e == null) {
                throw new WeightsFormatException(path, "the state dict uses storage '" + Py.clip(s.key()) + "', but the zip has no entry "
                        + Py.clip(name) + " (truncated or corrupted file?)");
            }
            long bytes = s.numel() * s.type().size; // no overflow: numel was bounded by the file size
            if (e.size() != bytes) {
                throw new WeightsFormatException(path, "zip entry " + Py.clip(name) + " holds " + e.size() + " bytes, but storage '"
                        + Py.clip(s.key()) + "' declares " + s.numel() + " " + s.type().dtype + " elements = " + bytes + " bytes");
            }
            locations.put(s.key(), new TorchReader.Location(zip.dataStart(e), bytes, e.crc()));
        }
        return new TorchReader(file, FORMAT, dict, locations);
    }
}
