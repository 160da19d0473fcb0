package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SafetensorsWriter and SafetensorsReader: layout compatible with the reference format, atomic writes, validation. */
class SafetensorsTest {
    @TempDir
    Path dir;

    /** The same tensors and metadata give the same bytes, whatever order the metadata map iterates in (Map.of's varies between JVM runs). */
    @Test
    void theSameContentGivesTheSameBytesWhateverTheMetadataMapsOrder() throws IOException {
        Map<String, INDArray> tensors = Map.of("w", Nd4j.linspace(DataType.FLOAT, 1, 6, 1).reshape(2, 3));
        Map<String, String> forward = new LinkedHashMap<>(), backward = new LinkedHashMap<>();
        for (int k = 0; k < 20; k++) forward.put("key" + k, "v" + k);
        for (int k = 19; k >= 0; k--) backward.put("key" + k, "v" + k);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, tensors, forward);
        SafetensorsWriter.write(b, tensors, backward);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void writerRoundTripsInInsertionOrderWithMetadata() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("features.10.weight", Nd4j.rand(DataType.FLOAT, 4, 3, 3, 3));
        tensors.put("features.2.bias", Nd4j.rand(DataType.FLOAT, 4));
        tensors.put("scalar", Nd4j.scalar(1.5f));
        tensors.put("transposed", Nd4j.rand(DataType.FLOAT, 3, 5).transpose()); // a non-contiguous view
        tensors.put("fortran", Nd4j.rand(DataType.FLOAT, 2, 3).dup('f'));
        tensors.put("double", Nd4j.rand(DataType.DOUBLE, 2, 2)); // stored as float32
        Path p = dir.resolve("features.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt", "source", "stylegrad"));

        try (WeightsReader r = WeightsFiles.open(p)) {
            assertThat(r.format()).isEqualTo("safetensors");
            assertThat(r.tensors()).extracting(TensorInfo::name).containsExactlyElementsOf(tensors.keySet());
            assertThat(r.tensors()).extracting(TensorInfo::dtype).containsOnly("float32");
            assertThat(((SafetensorsReader) r).metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "source", "stylegrad"));
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                INDArray read = r.read(e.getKey());
                assertThat(read.shape()).containsExactly(e.getValue().shape());
                // float32 is copied; float64 is rounded to nearest by the writer, as castTo does.
                assertIdentical(e.getKey(), read, e.getValue().castTo(DataType.FLOAT));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(p); // no temporary file left behind
        }
    }

    @Test
    void layoutIsTheReferenceOne() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("b", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        tensors.put("a", Nd4j.createFromArray(-0.5f));
        Path p = dir.resolve("t.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}";
        assertThat(n % 8).isZero(); // data section 8-byte aligned, padded with spaces like the reference writer
        assertThat(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).isEqualTo(json + " ".repeat((int) n - json.length()));
        assertThat(bytes.length).isEqualTo(8 + n + 28);
        float[] data = new float[7];
        for (int i = 0; i < 7; i++) data[i] = b.getFloat((int) (8 + n + 4 * i));
        assertThat(data).containsExactly(1, 2, 3, 4, 5, 6, -0.5f);
    }

    @Test
    void writerReplacesAtomicallyAndNeverLeavesAPartialFile() throws IOException {
        Path p = dir.resolve("cache.safetensors");
        SafetensorsWriter.write(p, Map.of("w", Nd4j.ones(DataType.FLOAT, 3)), null);
        byte[] before = Files.readAllBytes(p);

        assertThatThrownBy(() -> SafetensorsWriter.write(p, Map.of("i", Nd4j.createFromArray(1, 2)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'i' must be a floating-point array");
        assertThatThrownBy(() -> SafetensorsWriter.write(p, Map.of("__metadata__", Nd4j.ones(1)), null))
                .isInstanceOf(IllegalArgumentException.class);

        // Fails after the header is written, when the data pass asks for the values: the old file must survive intact.
        Map<String, INDArray> failing = new LinkedHashMap<>() {
            @Override
            public Collection<INDArray> values() {
                throw new IllegalStateException("disk on fire");
            }
        };
        failing.put("w", Nd4j.zeros(DataType.FLOAT, 1000));
        assertThatThrownBy(() -> SafetensorsWriter.write(p, failing, null)).hasMessage("disk on fire");
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(p);
        }
        SafetensorsWriter.write(p, Map.of("w", Nd4j.zeros(DataType.FLOAT, 2)), Map.of());
        try (WeightsReader r = WeightsFiles.open(p)) {
            assertIdentical("w", r.read("w"), Nd4j.zeros(DataType.FLOAT, 2));
        }
    }

    @Test
    void readsTheFileWrittenByPythonIncludingMetadata() throws IOException {
        try (WeightsReader r = WeightsFiles.open(WeightsReaderFixtureTest.DIR.resolve("small.safetensors"))) {
            assertThat(((SafetensorsReader) r).metadata()).containsEntry("format", "pt").containsEntry("source", "make_io_fixtures.py");
        }
    }

    /** Builds a safetensors file from a raw header and data length. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PickleBuilder.le64(h.length));
        out.writeBytes(h);
        out.writeBytes(new byte[dataBytes]);
        return TorchFiles.write(dir, "h.safetensors", out.toByteArray());
    }

    private void assertRefused(String header, int dataBytes, String message) throws IOException {
        Path p = file(header, dataBytes);
        assertThatThrownBy(() -> HostilePickleTest.openAndReadAll(p)).as(header).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageStartingWith(p + ": ").hasMessageContaining(message);
    }

    @Test
    void hostileHeadersAreRefused() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path good = file(ok, 8);
        HostilePickleTest.openAndReadAll(good);

        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x", 8, "not valid JSON");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{}}", 8, "not valid JSON: Duplicate field 'a'");
        assertRefused("{\"a\":{\"dtype\":\"Q8\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unsupported dtype 'Q8'");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "shape must hold non-negative integers, found -2");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "found 2.5");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,8]}}", 8, "non-negative integers");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "more than 2^63 elements");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "8 bytes of data, but dtype F32 and shape [3] need 12");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}", 8, "not inside the 8-byte data section");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "not inside");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8, "starts at data offset 4, expected 8 (overlaps the previous tensor)");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "starts at data offset 4, expected 0 (gap)");
        assertRefused(ok, 12, "holds 12 bytes but its tensors cover 8 (unexpected trailing bytes)");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "expected \"dtype\" (string), \"shape\" (array) and \"data_offsets\"");
        assertRefused("{\"a\":[1,2]}", 8, "expected an object");
        assertRefused("{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
                "__metadata__ value for 'k' must be a string");
        assertRefused("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0, "not valid JSON");
        assertRefused("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "'a' has dtype int64");
        assertRefused("[1]     ", 0, "unknown format"); // not even recognised as safetensors
    }

    @Test
    void headerLengthIsBoundedBeforeAnythingIsAllocated() throws IOException {
        for (long n : new long[] {-1L, Long.MAX_VALUE, 100L << 20 | 1, 1L << 40}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(PickleBuilder.le64(n));
            out.writeBytes("{}".getBytes(StandardCharsets.US_ASCII));
            Path p = TorchFiles.write(dir, "len.safetensors", out.toByteArray());
            assertThatThrownBy(() -> WeightsFiles.open(p)).isExactlyInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining("header length " + Long.toUnsignedString(n) + " is outside the accepted range 2 to 104857600");
        }
        // Within the cap but longer than the file: truncation, not a 100 MB allocation.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PickleBuilder.le64(50L << 20));
        out.writeBytes("{}".getBytes(StandardCharsets.US_ASCII));
        Path p = TorchFiles.write(dir, "len.safetensors", out.toByteArray());
        assertThatThrownBy(() -> WeightsFiles.open(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("file is truncated: expected 52428800 bytes of the safetensors JSON header at offset 8");
        // Not UTF-8.
        byte[] bad = {(byte) '{', (byte) 0xC3, (byte) 0x28, (byte) '}'};
        out.reset();
        out.writeBytes(PickleBuilder.le64(bad.length));
        out.writeBytes(bad);
        Path u = TorchFiles.write(dir, "utf.safetensors", out.toByteArray());
        assertThatThrownBy(() -> WeightsFiles.open(u)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("safetensors header is not valid UTF-8");
    }
}
