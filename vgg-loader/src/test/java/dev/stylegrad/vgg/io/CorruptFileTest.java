package dev.stylegrad.vgg.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

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
 * Damaged copies of the fixtures: cut at every length, and with bytes flipped. Opening and reading every tensor must
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

    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"})
    void everyTruncationFailsWithTheLoadersException(String name) throws IOException {
        byte[] full = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve(name));
        Path p = dir.resolve("cut-" + name);
        for (int len = 0; len < full.length; len++) {
            Files.write(p, Arrays.copyOf(full, len));
            Throwable t = tryAll(p);
            if (!(t instanceof WeightsFormatException) || !t.getMessage().startsWith(p + ": ")) {
                fail("truncated to " + len + " of " + full.length + " bytes: expected WeightsFormatException, got " + t, t);
            }
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

    /** Every byte flipped (XOR 0xFF and XOR 0x01), one at a time: success or our exception, nothing else. */
    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"})
    void everySingleByteFlipEndsWellOrInTheLoadersException(String name) throws IOException {
        byte[] full = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve(name));
        Path p = dir.resolve("flip-" + name);
        int failures = 0;
        for (int mask : new int[] {0xFF, 0x01}) {
            for (int i = 0; i < full.length; i++) {
                byte[] b = full.clone();
                b[i] ^= (byte) mask;
                Files.write(p, b);
                Throwable t = tryAll(p);
                if (t == null) continue;
                failures++;
                if (!(t instanceof WeightsFormatException) || !t.getMessage().startsWith(p + ": ")) {
                    fail("byte " + i + " ^ 0x" + Integer.toHexString(mask) + ": expected WeightsFormatException, got " + t, t);
                }
            }
        }
        assertThat(failures).as("flips detected").isPositive();
    }

    /** Random multi-byte damage, including lengths overwritten with huge values. */
    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"})
    void randomDamageEndsWellOrInTheLoadersException(String name) throws IOException {
        byte[] full = Files.readAllBytes(WeightsReaderFixtureTest.DIR.resolve(name));
        Path p = dir.resolve("rand-" + name);
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
            Files.write(p, b);
            Throwable t = tryAll(p);
            if (t != null && (!(t instanceof WeightsFormatException) || !t.getMessage().startsWith(p + ": "))) {
                fail("trial " + trial + ": expected WeightsFormatException, got " + t, t);
            }
        }
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
