package dev.stylegrad.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import dev.stylegrad.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes float32 safetensors files in the reference layout: 8-byte little-endian header length, the JSON header
 * (tensors in insertion order, {@code "__metadata__"} first when given, its keys sorted) padded with spaces to a multiple of 8 bytes,
 * then each tensor's C-order little-endian float32 data back to back in the same order. The file appears atomically:
 * it is written to a temporary file in the same folder, forced to disk, then renamed over the target, so a crash or
 * error never leaves a partial file under the final name.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (float arrays of any floating dtype, stored as float32; iteration order kept) and optional
     * string {@code metadata} (may be null or empty) to {@code file}, replacing it if it exists.
     *
     * @throws IllegalArgumentException for an empty or reserved name or a non-floating-point array
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject(SafetensorsReader.METADATA_KEY);
            new java.util.TreeMap<>(metadata).forEach(m::put); // sorted: the same bytes whatever map the caller passes
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            if (name == null || name.isEmpty() || name.equals(SafetensorsReader.METADATA_KEY)) {
                throw new IllegalArgumentException("safetensors: invalid tensor name '" + name + "'");
            }
            if (a == null || !a.dataType().isFPType()) {
                throw new IllegalArgumentException("safetensors: tensor '" + name + "' must be a floating-point array, found "
                        + (a == null ? "null" : a.dataType()));
            }
            long bytes = a.length() * 4L;
            ObjectNode t = header.putObject(name);
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : a.shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the reference writer aligns the data section to 8 bytes
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');

        AtomicFiles.write(file, out -> {
            WritableByteChannel ch = Channels.newChannel(out);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(head));
            for (INDArray a : tensors.values()) writeFloats(ch, a);
        });
    }

    /** Streams the array's elements in C order as little-endian float32, 1 MiB at a time. */
    private static void writeFloats(WritableByteChannel ch, INDArray a) throws IOException {
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        long n = c.length();
        if (n == 0) return;
        float[] values = c.reshape(n).toFloatVector();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (!buf.hasRemaining()) {
                writeFully(ch, buf.flip());
                buf.clear();
            }
            buf.putFloat(v);
        }
        writeFully(ch, buf.flip());
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
