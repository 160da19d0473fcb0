package dev.stylegrad.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Sequential, buffered reading of a pickle stream that lies in {@code [start, end)} of a file. The end is where the
 * pickle must stop (the zip entry's end, or the file's end for the legacy format), so every length the pickle
 * declares is checked against the bytes actually left before anything is allocated.
 */
final class PickleInput {
    private static final int CHUNK = 64 * 1024;

    private final FileRegion file;
    private final long end;
    private String what;
    private ByteBuffer buf = ByteBuffer.allocate(0);
    private long bufStart;

    /** {@code what} names the stream in messages, e.g. "the pickled state dict". */
    PickleInput(FileRegion file, long start, long end, String what) throws WeightsFormatException {
        file.check(start, end - start, what);
        this.file = file;
        this.end = end;
        this.what = what;
        this.bufStart = start;
    }

    /** Names the pickle now being read, for messages (several pickles follow each other in legacy files). */
    void describe(String what) {
        this.what = what;
    }

    FileRegion file() {
        return file;
    }

    /** Absolute file offset of the next byte. */
    long position() {
        return bufStart + buf.position();
    }

    long remaining() {
        return end - position();
    }

    int readByte() throws IOException {
        if (!buf.hasRemaining()) fill(1);
        return buf.get() & 0xFF;
    }

    int readU16() throws IOException {
        return readByte() | readByte() << 8;
    }

    int readI32() throws IOException {
        ensure(4);
        return buf.getInt();
    }

    long readI64() throws IOException {
        ensure(8);
        return buf.getLong();
    }

    double readF64BigEndian() throws IOException {
        ensure(8);
        return buf.order(ByteOrder.BIG_ENDIAN).getDouble(); // pickle's BINFLOAT is the one big-endian field
    }

    /** Reads {@code n} bytes; {@code n} is checked against the bytes left before allocating. */
    byte[] readBytes(long n) throws IOException {
        if (n < 0 || n > remaining()) throw truncated(n);
        byte[] out = new byte[(int) n];
        int done = 0;
        while (done < n) {
            if (!buf.hasRemaining()) fill(1);
            int k = Math.min(buf.remaining(), (int) n - done);
            buf.get(out, done, k);
            done += k;
        }
        return out;
    }

    /** Reads a newline-terminated text argument (protocol-0 opcodes) of at most {@code max} bytes, without the newline. */
    String readLine(int max) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = readByte();
            if (b == '\n') return sb.toString();
            if (sb.length() >= max) {
                throw new WeightsFormatException(file.path, "text argument longer than " + max + " bytes in " + what
                        + " at offset " + position());
            }
            sb.append((char) b);
        }
    }

    private void ensure(int n) throws IOException {
        if (buf.remaining() < n) fill(n);
        buf.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Refills so at least {@code need} bytes are buffered, keeping unread ones. */
    private void fill(int need) throws IOException {
        long pos = position();
        if (need > end - pos) throw truncated(need);
        int len = (int) Math.min(Math.max(CHUNK, need), end - pos);
        ByteBuffer next = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        file.readFully(pos, next, what);
        next.flip();
        buf = next;
        bufStart = pos;
    }

    private WeightsFormatException truncated(long n) {
        return new WeightsFormatException(file.path, what + " is truncated: needed " + n + " more bytes at offset "
                + position() + " but it ends at byte " + end + (end == file.size ? " (end of file)" : ""));
    }
}
