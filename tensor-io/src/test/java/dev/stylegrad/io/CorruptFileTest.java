package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged copies of the fixtures (a fuzz suite per reader: zip .pth, legacy .pth in both pickle protocols,
 * safetensors): cut at every length, bytes flipped, lengths oversized, random damage. Opening and reading every tensor must
 * either work or fail with WeightsFormatException naming the file; never another exception, a hang or a huge
 * allocation. A truncated file must always fail.
 */
@Timeout(120)
class CorruptFileTest {
    static final String[] FIXTURES = {"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"};

    @TempDir
    Path dir;

    /** Null if the file opened and every float tensor read; otherwise the exception. */
    static Throwable tryAll(Path p) {
        try (WeightsReader r = WeightsFiles.open(p)) {
            for (TensorInfo t : r.tensors()) {
                if (!t.dtype().startsWith("int")) r.read(t.name());
            }
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * The fuzz suite, one fixture (one reader and format) at a time: every truncation length, every single byte
     * flipped (XOR 0xFF and XOR 0x01), every 4-byte-aligned position overwritten with an oversized length (2³²−1 as
     * 32 bits, 2⁴⁰ as 64 bits little-endian), and 1,000 seeded random multi-byte edits. Each case must read fine or
     * end in WeightsFormatException naming the file; truncations must always fail; and each case is bounded in time
     * and in heap allocated (1 MiB plus 64 bytes per byte of file at most: no buffer is sized from an unchecked
     * length; the largest seen is ~0.7 MB, for the zip reader). The counts go to stdout and
     * target/fuzz-summary.txt.
     */
    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"})
    void fuzzSuite(String name) throws IOException {
        byte[] full = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve(name));
        Path p = dir.resolve("fuzz-" + name);
        Tally tally = new Tally(name, full.length);
        // Warm-up (not counted): class loading and first-use initialization allocate on this thread too.
        for (int len : new int[] {full.length, full.length / 2, 9}) {
            Files.write(p, Arrays.copyOf(full, len));
            tryAll(p);
        }
        for (int len = 0; len < full.length; len++) {
            tally.run("truncation", p, Arrays.copyOf(full, len), true);
        }
        for (int mask : new int[] {0xFF, 0x01}) {
            for (int i = 0; i < full.length; i++) {
                byte[] b = full.clone();
                b[i] ^= (byte) mask;
                tally.run("byte flip", p, b, false);
            }
        }
        for (int at = 0; at + 4 <= full.length; at += 4) {
            byte[] b = full.clone();
            ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
            tally.run("oversized length", p, b, false);
            if (at + 8 <= full.length) {
                b = full.clone();
                ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
                tally.run("oversized length", p, b, false);
            }
        }
        Random rnd = new Random(42);
        for (int trial = 0; trial < 1000; trial++) {
            byte[] b = full.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(b.length);
                if (rnd.nextBoolean() && at + 8 <= b.length) {
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> -1L;
                        case 1 -> Long.MAX_VALUE;
                        case 2 -> 1L << (32 + rnd.nextInt(30));
                        default -> rnd.nextLong();
                    };
                    ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
                } else {
                    b[at] = (byte) rnd.nextInt(256);
                }
            }
            tally.run("random damage", p, b, false);
        }
        tally.report();
        assertThat(tally.other).as("cases ending in anything but success or WeightsFormatException (first: %s)", tally.firstOther).isZero();
        assertThat(tally.refused).as("damage detected").isPositive();
        assertThat(tally.slowestNanos).as("slowest case, ns").isLessThan(MAX_CASE_NANOS);
        assertThat(tally.largestAllocation).as("most heap one case allocated, bytes (%s)", tally.largestCase)
                .isLessThan(MAX_CASE_ALLOCATION + 64L * full.length);
    }

    static final long MAX_CASE_NANOS = 2_000_000_000L;
    static final long MAX_CASE_ALLOCATION = 1L << 20; // plus 64 bytes per byte of file

    /** Outcome counts of one fixture's cases, with the worst time and heap allocation of any single case. */
    static final class Tally {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final String name;
        final int fileLength;
        final java.util.Map<String, long[]> byKind = new java.util.LinkedHashMap<>(); // kind -> {tried, ok, refused, other}
        long refused, other, slowestNanos, largestAllocation;
        String firstOther, largestCase;

        Tally(String name, int fileLength) {
            this.name = name;
            this.fileLength = fileLength;
        }

        void run(String kind, Path p, byte[] content, boolean mustFail) throws IOException {
            Files.write(p, content);
            long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            Throwable t = tryAll(p);
            slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
            if (allocated > largestAllocation) {
                largestAllocation = allocated;
                largestCase = kind + " case " + byKind.getOrDefault(kind, new long[1])[0] + " (" + t + ")";
            }
            long[] c = byKind.computeIfAbsent(kind, k -> new long[4]);
            c[0]++;
            boolean clean = t instanceof WeightsFormatException && t.getMessage().startsWith(p + ": ");
            if (t == null && !mustFail) {
                c[1]++;
            } else if (clean) {
                c[2]++;
                refused++;
            } else {
                c[3]++;
                other++;
                if (firstOther == null) firstOther = kind + " (" + content.length + " bytes): " + t;
            }
        }

        void report() throws IOException {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(java.util.Locale.ROOT, "fuzz %s (%,d bytes): slowest case %.1f ms, most heap allocated by a case %,d bytes (%s)%n",
                    name, fileLength, slowestNanos / 1e6, largestAllocation, largestCase));
            long tried = 0, ok = 0;
            for (var e : byKind.entrySet()) {
                long[] c = e.getValue();
                tried += c[0];
                ok += c[1];
                sb.append(String.format(java.util.Locale.ROOT, "  %-17s tried %,7d  read fine %,6d  refused cleanly %,7d  anything else %d%n", e.getKey(), c[0], c[1], c[2], c[3]));
            }
            sb.append(String.format(java.util.Locale.ROOT, "  %-17s tried %,7d  read fine %,6d  refused cleanly %,7d  anything else %d%n", "total", tried, ok, refused, other));
            System.out.print(sb);
            Path summary = Path.of("target", "fuzz-summary.txt");
            Files.createDirectories(summary.getParent());
            Files.writeString(summary, sb, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    @Test
    void truncationMessagesSayWhereTheFileEnded() throws IOException {
        byte[] legacy = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve("small_legacy.pth"));
        Path p = dir.resolve("legacy-cut.pth");
        Files.write(p, Arrays.copyOf(legacy, 60)); // inside the sys-info pickle
        assertThatThrownBy(() -> WeightsFiles.open(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("the sys-info pickle").hasMessageContaining("truncated").hasMessageContaining("60");
        Files.write(p, Arrays.copyOf(legacy, 500)); // inside the state dict pickle
        assertThatThrownBy(() -> WeightsFiles.open(p)).hasMessageContaining("the pickled state dict").hasMessageContaining("truncated");
        Files.write(p, Arrays.copyOf(legacy, legacy.length - 10)); // inside the last storage's data
        assertThatThrownBy(() -> WeightsFiles.open(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("file is truncated: expected").hasMessageContaining("bytes of data of storage")
                .hasMessageContaining("but the file ends at byte " + (legacy.length - 10));

        byte[] zip = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve("small_zip.pth"));
        Path z = dir.resolve("zip-cut.pth");
        Files.write(z, Arrays.copyOf(zip, zip.length - 30)); // inside the central directory / end record
        assertThatThrownBy(() -> WeightsFiles.open(z)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("no zip end-of-central-directory record: the file is truncated or not a zip file");
        Files.write(z, Arrays.copyOf(zip, 2000)); // inside the storages
        assertThatThrownBy(() -> WeightsFiles.open(z)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("truncated or not a zip file");

        byte[] st = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve("small.safetensors"));
        Path s = dir.resolve("cut.safetensors");
        Files.write(s, Arrays.copyOf(st, 100)); // inside the header
        assertThatThrownBy(() -> WeightsFiles.open(s)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("file is truncated: expected").hasMessageContaining("of the safetensors JSON header");
        Files.write(s, Arrays.copyOf(st, st.length - 1)); // inside the data
        assertThatThrownBy(() -> WeightsFiles.open(s)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("(file truncated?)");
    }

    @Test
    void zipStorageBytesFlippedAreCaughtByTheCrc() throws IOException {
        byte[] zip = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve("small_zip.pth"));
        Path z = dir.resolve("crc.pth");
        // Flip one byte of features.0.bias's data (entry small_zip/data/1), found via the reader's own offsets.
        long start = dataStartOf(z, zip, "small_zip/data/1");
        zip[(int) start + 5] ^= 0x40;
        Files.write(z, zip);
        try (WeightsReader r = WeightsFiles.open(z)) {
            r.read("features.0.weight"); // other tensors are unaffected
            assertThatThrownBy(() -> r.read("features.0.bias")).isExactlyInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining("data of tensor 'features.0.bias' (storage '1') is corrupted: CRC-32 is");
        }
    }

    static long dataStartOf(Path scratch, byte[] zip, String entry) throws IOException {
        Files.write(scratch, zip);
        try (FileRegion f = FileRegion.open(scratch)) {
            ZipDirectory d = ZipDirectory.read(f);
            return d.dataStart(d.entries.get(entry));
        }
    }
}
