package dev.stylegrad.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link WeightsReader} for both PyTorch serializations once they are parsed: a state dict of tensor references
 * plus, for every storage, where its bytes lie in the file. {@link #read} reads only the byte range the requested
 * tensor spans (from its first to its last element) with one positional read.
 */
final class TorchReader implements WeightsReader {
    /** Where a storage's raw bytes are: {@code [start, start + length)} of the file; {@code crc} or -1 if unknown. */
    record Location(long start, long length, long crc) {}

    private final FileRegion file;
    private final String format;
    private final TorchStateDict dict;
    private final Map<String, Location> locations;
    private final List<TensorInfo> infos;

    TorchReader(FileRegion file, String format, TorchStateDict dict, Map<String, Location> locations) {
        this.file = file;
        this.format = format;
        this.dict = dict;
        this.locations = locations;
        List<TensorInfo> list = new ArrayList<>();
        dict.tensors.forEach((name, t) -> list.add(new TensorInfo(name, t.storage().type().dtype, t.shape())));
        this.infos = Collections.unmodifiableList(list);
    }

    @Override
    public Path file() {
        return file.path;
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public List<TensorInfo> tensors() {
        return infos;
    }

    @Override
    public INDArray read(String name) throws IOException {
        TensorRef t = dict.tensors.get(name);
        if (t == null) throw unknownTensor(file.path, name, dict.tensors.keySet());
        StorageRef s = t.storage();
        ElementType type = s.type();
        String what = "data of tensor '" + name + "' (storage '" + s.key() + "')";
        long numel = TensorDecoder.checkReadable(file.path, name, type, t.shape());
        Location loc = locations.get(s.key());
        long first = s.base() + t.offset();
        long count = numel == 0 ? 0 : t.extent() - t.offset();
        long bytes = count * type.size; // count <= storage numel, bounded by the file size at parse time
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new WeightsFormatException(file.path, what + " spans " + bytes + " bytes; tensors spanning more than 2 GiB are not supported");
        }
        long offsetBytes = first * type.size;
        if (offsetBytes + bytes > loc.length()) { // guaranteed by parsing; checked again because it guards a file read
            throw new WeightsFormatException(file.path, what + " reaches byte " + (offsetBytes + bytes) + " of a "
                    + loc.length() + "-byte storage");
        }
        ByteBuffer buf = file.read(loc.start() + offsetBytes, (int) bytes, what);
        if (loc.crc() >= 0 && offsetBytes == 0 && bytes == loc.length()) {
            // The zip entry's CRC covers the whole storage; when we read all of it, check it (catches flipped bytes).
            CRC32 crc = new CRC32();
            crc.update(buf.duplicate());
            if (crc.getValue() != loc.crc()) {
                throw new WeightsFormatException(file.path, what + " is corrupted: CRC-32 is " + Long.toHexString(crc.getValue())
                        + ", the zip directory says " + Long.toHexString(loc.crc()));
            }
        }
        return TensorDecoder.decode(file.path, name, buf, type, t.shape(), t.stride());
    }

    static WeightsFormatException unknownTensor(Path file, String name, Collection<String> names) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (String n : names) {
            if (i++ == 10) {
                sb.append(", …");
                break;
            }
            sb.append(i == 1 ? "" : ", ").append(n);
        }
        return new WeightsFormatException(file, "no tensor named '" + name + "'; the file holds " + names.size()
                + " tensors: " + sb);
    }

    /** Bytes this reader has read from the file so far (opening included). */
    long bytesRead() {
        return file.bytesRead();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
