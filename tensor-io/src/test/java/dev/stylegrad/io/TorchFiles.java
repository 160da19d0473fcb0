package dev.stylegrad.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds PyTorch checkpoint files around a hand-made pickle, in both serializations. */
final class TorchFiles {
    private TorchFiles() {}

    /** The three header pickles of the legacy format (magic number, protocol 1001, sys info). */
    static byte[] legacyHeader() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // LONG1 with the 10-byte little-endian magic number 0x1950a86a20f9469cfc6c.
        out.writeBytes(PickleBuilder.proto2().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop().bytes());
        out.writeBytes(PickleBuilder.proto2().op('M', 0xe9, 0x03).stop().bytes());
        out.writeBytes(PickleBuilder.proto2().emptyDict().mark().str("protocol_version").op('M', 0xe9, 0x03)
                .str("little_endian").bool(true).str("type_sizes").emptyDict().mark().str("short").integer(2)
                .str("int").integer(4).str("long").integer(4).setitems().setitems().stop().bytes());
        return out.toByteArray();
    }

    /** A legacy file: header, {@code statePickle}, the storage-key list, then each storage as count + float32 data. */
    static byte[] legacy(byte[] statePickle, Map<String, float[]> storages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(legacyHeader());
        out.writeBytes(statePickle);
        PickleBuilder keys = PickleBuilder.proto2().emptyList().mark();
        for (String k : storages.keySet()) keys.str(k);
        out.writeBytes(keys.appends().stop().bytes());
        for (float[] data : storages.values()) {
            out.writeBytes(PickleBuilder.le64(data.length));
            ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : data) b.putFloat(f);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    /** A zip checkpoint with stored entries archive/data.pkl and archive/data/&lt;key&gt; (float32 data). */
    static byte[] zip(byte[] dataPkl, Map<String, float[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", dataPkl);
        storages.forEach((k, data) -> {
            ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : data) b.putFloat(f);
            entries.put("archive/data/" + k, b.array());
        });
        entries.put("archive/version", "3\n".getBytes());
        return zipOf(entries);
    }

    static byte[] zipOf(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A valid one-tensor state dict pickle {"w": tensor of shape [2, 3] over storage "0"} (6 floats). */
    static byte[] oneTensorPickle(boolean legacy) {
        return PickleBuilder.proto2().orderedDictStart().str("w")
                .tensorV2("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1}, legacy).setitems().stop().bytes();
    }

    static Map<String, float[]> oneStorage() {
        return Map.of("0", new float[] {1, 2, 3, 4, 5, 6});
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static List<String> formats() {
        return List.of("legacy", "zip");
    }

    /** The state pickle wrapped in the given container, with the one-storage data. */
    static byte[] container(String format, byte[] pickle, Map<String, float[]> storages) throws IOException {
        return format.equals("zip") ? zip(pickle, storages) : legacy(pickle, storages);
    }
}
