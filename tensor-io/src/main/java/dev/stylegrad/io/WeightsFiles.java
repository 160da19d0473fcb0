package dev.stylegrad.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens weights files, choosing the reader by the file's first bytes, never by its extension. */
public final class WeightsFiles {
    private WeightsFiles() {}

    /**
     * Opens a PyTorch checkpoint (zip or legacy serialization) or a safetensors file for selective reading. Only
     * metadata is read and validated here. Anything else, including damaged files, is a {@link WeightsFormatException}
     * naming the file, the formats expected and what was found; a missing file is a
     * {@link java.nio.file.NoSuchFileException}.
     */
    public static WeightsReader open(Path file) throws IOException {
        requireRegularFile(file);
        byte[] head = new byte[512];
        int n;
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b) >= 0) { /* fill what the file has */ }
            n = b.position();
        }
        if (size == 0) throw new WeightsFormatException(file, "file is empty; expected a PyTorch checkpoint or a safetensors file");
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
            return TorchZipReader.open(file);
        }
        // Legacy checkpoints start with pickle protocol 2: PROTO 2, then LONG1 10 bytes holding the magic number.
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return TorchLegacyReader.open(file);
        }
        // Safetensors: the JSON header after the 8-byte length starts with '{'; the reader validates the length.
        if (n >= 9 && head[8] == '{') return SafetensorsReader.open(file);
        if (n >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new WeightsFormatException(file, "this is a tar archive; PyTorch's tar-based format (torch 0.1–0.3) is not "
                    + "supported: load it with torch and re-save it with torch.save");
        }
        throw new WeightsFormatException(file, "unknown format: expected a PyTorch checkpoint (zip, starting 'PK\\3\\4'; or "
                + "legacy, starting 0x80 0x02 0x8a 0x0a) or a safetensors file (8-byte header length, then '{'), but the "
                + "first bytes are " + describe(head, Math.min(n, 16)));
    }

    /**
     * Refuses what is not a readable regular file before anything opens it: opening a FIFO blocks until someone writes
     * to it, and a device such as /dev/zero never ends.
     */
    public static void requireRegularFile(Path file) throws WeightsFormatException, java.nio.file.NoSuchFileException {
        if (Files.isDirectory(file)) throw new WeightsFormatException(file, "is a directory, not a weights file");
        if (!Files.exists(file)) throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such file");
        if (!Files.isRegularFile(file)) {
            throw new WeightsFormatException(file, "is not a regular file (a FIFO, socket or device); give the weights file itself");
        }
        if (!Files.isReadable(file)) throw new WeightsFormatException(file, "cannot be read (permission denied)");
    }

    /** Hex and printable ASCII of the first bytes, like {@code 7f 45 4c 46 02 01 ("\x7fELF..")}. */
    static String describe(byte[] b, int n) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int v = b[i] & 0xFF;
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", v));
            text.append(v >= 0x20 && v < 0x7f ? (char) v : '.');
        }
        return hex + " (\"" + text + "\")";
    }
}
