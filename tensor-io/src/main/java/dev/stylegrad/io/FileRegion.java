package dev.stylegrad.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.LongAdder;

/**
 * A read-only file opened for positional reads. Every read is checked against the file size first, so a truncated
 * file fails with a {@link WeightsFormatException} that says what was being read, where, and where the file ends,
 * and no buffer is ever allocated for bytes the file does not have.
 */
final class FileRegion implements AutoCloseable {
    final Path path;
    final long size;
    private final FileChannel channel;
    /** Bytes read so far: lets tests prove that opening and reading one tensor does not read the others. */
    private final LongAdder bytesRead = new LongAdder();

    private FileRegion(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static FileRegion open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new FileRegion(path, ch, ch.size());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A parser of an opened file. */
    interface Parser<T> {
        T parse(FileRegion file) throws IOException;
    }

    /** Opens {@code path} and parses it; the file is closed if parsing fails, so a refused file leaves no handle open. */
    static <T> T openWith(Path path, Parser<T> parser) throws IOException {
        FileRegion file = open(path);
        try {
            return parser.parse(file);
        } catch (IOException | RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /** Throws unless {@code [pos, pos + len)} lies inside the file; {@code what} names the bytes for the message. */
    void check(long pos, long len, String what) throws WeightsFormatException {
        if (pos < 0 || len < 0) {
            throw new WeightsFormatException(path, "invalid position " + pos + " or length " + len + " for " + what);
        }
        if (len > size - pos) {
            throw new WeightsFormatException(path, "file is truncated: expected " + len + " bytes of " + what
                    + " at offset " + pos + ", but the file ends at byte " + size);
        }
    }

    /** Reads exactly {@code len} bytes at {@code pos} into a new little-endian buffer (position 0). */
    ByteBuffer read(long pos, int len, String what) throws IOException {
        check(pos, len, what);
        ByteBuffer buf = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        readFully(pos, buf, what);
        return buf.flip();
    }

    /** Fills {@code dst} from {@code pos}; the range must have been checked or is checked here. */
    void readFully(long pos, ByteBuffer dst, String what) throws IOException {
        check(pos, dst.remaining(), what);
        long p = pos;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                // The file shrank after it was opened.
                throw new WeightsFormatException(path, "file is truncated: unexpected end of file at byte " + p
                        + " while reading " + what, new EOFException());
            }
            p += n;
            bytesRead.add(n);
        }
    }

    long bytesRead() {
        return bytesRead.sum();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
