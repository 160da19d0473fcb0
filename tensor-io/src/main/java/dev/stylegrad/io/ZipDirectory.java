package dev.stylegrad.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file, parsed by hand (zip64 included) so that every field is bounds-checked and
 * every problem is a {@link WeightsFormatException}, and so an entry's bytes can be read at any offset with a
 * positional read instead of through a stream. Only what PyTorch writes is supported: one disk, stored
 * (uncompressed), unencrypted entries.
 */
final class ZipDirectory {
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int EOCD_SIZE = 22;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL_SIZE = 30;

    /** One entry; {@code localHeader} is the offset of its local header, where its data offset is found. */
    record Entry(String name, int method, int flags, long crc, long compressedSize, long size, long localHeader) {}

    final Map<String, Entry> entries;
    /** Where the central directory starts: every entry's data must end before it. */
    final long directoryStart;
    private final FileRegion file;

    private ZipDirectory(FileRegion file, Map<String, Entry> entries, long directoryStart) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
        this.directoryStart = directoryStart;
    }

    static ZipDirectory read(FileRegion file) throws IOException {
        Path path = file.path;
        long size = file.size;
        if (size < EOCD_SIZE) throw new WeightsFormatException(path, "zip file is truncated: only " + size + " bytes");
        // The end record is the last 22 bytes plus a comment of up to 65535 bytes; search backwards for it.
        int tailLen = (int) Math.min(size, EOCD_SIZE + 0xFFFF);
        ByteBuffer tail = file.read(size - tailLen, tailLen, "the zip end record");
        int eocd = -1;
        for (int i = tailLen - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIG && i + EOCD_SIZE + (tail.getShort(i + 20) & 0xFFFF) == tailLen) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new WeightsFormatException(path, "no zip end-of-central-directory record: the file is truncated or not a zip file");
        }
        long eocdPos = size - tailLen + eocd;
        int disk = tail.getShort(eocd + 4) & 0xFFFF;
        int cdDisk = tail.getShort(eocd + 6) & 0xFFFF;
        long count = tail.getShort(eocd + 10) & 0xFFFF;
        long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
        long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
        long cdLimit = eocdPos;
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            // zip64: a locator just before the end record points at the zip64 end record with 64-bit fields.
            if (eocdPos < 20) throw new WeightsFormatException(path, "zip64 end-record locator is missing");
            ByteBuffer loc = file.read(eocdPos - 20, 20, "the zip64 end-record locator");
            if (loc.getInt(0) != ZIP64_LOCATOR_SIG) throw new WeightsFormatException(path, "zip64 end-record locator is missing");
            long z64 = loc.getLong(8);
            if (z64 < 0 || z64 > eocdPos - 20 - 56) throw new WeightsFormatException(path, "zip64 end record offset " + z64 + " is out of range");
            ByteBuffer rec = file.read(z64, 56, "the zip64 end record");
            if (rec.getInt(0) != ZIP64_EOCD_SIG) throw new WeightsFormatException(path, "no zip64 end record at offset " + z64);
            disk = rec.getInt(16);
            cdDisk = rec.getInt(20);
            count = rec.getLong(32);
            cdSize = rec.getLong(40);
            cdOffset = rec.getLong(48);
            cdLimit = z64;
        }
        if (disk != 0 || cdDisk != 0) throw new WeightsFormatException(path, "multi-disk zip files are not supported");
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
            throw new WeightsFormatException(path, "zip central directory [" + cdOffset + ", +" + cdSize
                    + ") does not fit before its end record at byte " + cdLimit + " (truncated or corrupted file)");
        }
        if (count < 0 || count > cdSize / CENTRAL_SIZE) {
            throw new WeightsFormatException(path, "zip directory claims " + count + " entries, more than its " + cdSize + " bytes can hold");
        }
        if (cdSize > Integer.MAX_VALUE - 8) throw new WeightsFormatException(path, "zip central directory of " + cdSize + " bytes is too large");
        ByteBuffer cd = file.read(cdOffset, (int) cdSize, "the zip central directory");
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (cd.limit() - p < CENTRAL_SIZE || cd.getInt(p) != CENTRAL_SIG) {
                throw new WeightsFormatException(path, "zip central directory entry " + i + " at offset " + (cdOffset + p) + " is corrupted");
            }
            int flags = cd.getShort(p + 8) & 0xFFFF;
            int method = cd.getShort(p + 10) & 0xFFFF;
            long crc = cd.getInt(p + 16) & 0xFFFFFFFFL;
            long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = cd.getShort(p + 28) & 0xFFFF;
            int extraLen = cd.getShort(p + 30) & 0xFFFF;
            int commentLen = cd.getShort(p + 32) & 0xFFFF;
            long local = cd.getInt(p + 42) & 0xFFFFFFFFL;
            int next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
            if (next > cd.limit()) {
                throw new WeightsFormatException(path, "zip central directory entry " + i + " runs past the directory's end");
            }
            String name = name(path, cd, p + CENTRAL_SIZE, nameLen, (flags & 0x800) != 0);
            // zip64 extra field: 64-bit values for whichever fields hold 0xFFFFFFFF, in this order.
            int e = p + CENTRAL_SIZE + nameLen;
            int extraEnd = e + extraLen;
            while (e + 4 <= extraEnd) {
                int id = cd.getShort(e) & 0xFFFF;
                int len = cd.getShort(e + 2) & 0xFFFF;
                if (e + 4 + len > extraEnd) break;
                if (id == 0x0001) {
                    int f = e + 4;
                    if (usize == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { usize = cd.getLong(f); f += 8; }
                    if (csize == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { csize = cd.getLong(f); f += 8; }
                    if (local == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { local = cd.getLong(f); }
                }
                e += 4 + len;
            }
            if (usize < 0 || csize < 0 || local < 0 || local > cdOffset) {
                throw new WeightsFormatException(path, "zip entry '" + Py.clip(name) + "' has an invalid size or offset");
            }
            if (entries.put(name, new Entry(name, method, flags, crc, csize, usize, local)) != null) {
                throw new WeightsFormatException(path, "zip entry '" + Py.clip(name) + "' appears twice");
            }
            p = next;
        }
        return new ZipDirectory(file, entries, cdOffset);
    }

    /**
     * The file offset of an entry's data, after checking its local header and that its data lies before the central
     * directory. Only stored (uncompressed) entries are accepted: that is how PyTorch writes them, and it lets us
     * read any byte range of an entry directly.
     */
    long dataStart(Entry entry) throws IOException {
        Path path = file.path;
        String what = "zip entry '" + Py.clip(entry.name()) + "'";
        if ((entry.flags() & 1) != 0) throw new WeightsFormatException(path, what + " is encrypted");
        if (entry.method() != 0 || entry.compressedSize() != entry.size()) {
            throw new WeightsFormatException(path, what + " is compressed (method " + entry.method()
                    + "); PyTorch stores entries uncompressed, so this file was repacked: re-save it with torch.save");
        }
        if (entry.localHeader() > directoryStart - LOCAL_SIZE) {
            throw new WeightsFormatException(path, what + ": local header offset " + entry.localHeader() + " is out of range");
        }
        ByteBuffer h = file.read(entry.localHeader(), LOCAL_SIZE, "the local header of " + what);
        if (h.getInt(0) != LOCAL_SIG) {
            throw new WeightsFormatException(path, what + ": no local header at offset " + entry.localHeader() + " (corrupted file)");
        }
        int nameLen = h.getShort(26) & 0xFFFF;
        int extraLen = h.getShort(28) & 0xFFFF;
        long start = entry.localHeader() + LOCAL_SIZE + nameLen + extraLen;
        ByteBuffer n = file.read(entry.localHeader() + LOCAL_SIZE, nameLen, "the local header of " + what);
        if (!entry.name().equals(name(path, n, 0, nameLen, (h.getShort(6) & 0x800) != 0))) {
            throw new WeightsFormatException(path, what + ": local header names a different entry (corrupted file)");
        }
        if (start > directoryStart || entry.size() > directoryStart - start) {
            throw new WeightsFormatException(path, what + ": its " + entry.size() + " bytes at offset " + start
                    + " run into the central directory at byte " + directoryStart + " (truncated or corrupted file)");
        }
        return start;
    }

    private static String name(Path path, ByteBuffer b, int at, int len, boolean utf8) throws WeightsFormatException {
        ByteBuffer slice = b.duplicate().position(at).limit(at + len);
        if (!utf8) return StandardCharsets.ISO_8859_1.decode(slice).toString();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(path, "zip entry name is not valid UTF-8");
        }
    }
}
