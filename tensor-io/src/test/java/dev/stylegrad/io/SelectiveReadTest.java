package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reading features must not read the classifier: a file with a 16 MB "classifier" storage next to a small feature
 * storage, in all three formats, is opened and the feature tensor read; the bytes read from the file are counted.
 */
class SelectiveReadTest {
    static final int BIG = 4 << 20; // 4 Mi floats = 16 MiB

    @TempDir
    Path dir;

    private static byte[] pickle(boolean legacy) {
        return PickleBuilder.proto2().orderedDictStart()
                .str("features.0.weight").tensorV2("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1}, legacy)
                .str("classifier.0.weight").tensorV2("FloatStorage", "1", BIG, 0, new long[] {BIG}, new long[] {1}, legacy)
                .str("features.0.bias").tensorV2("FloatStorage", "2", 2, 0, new long[] {2}, new long[] {1}, legacy)
                .setitems().stop().bytes();
    }

    private static Map<String, float[]> storages() {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("0", new float[] {1, 2, 3, 4, 5, 6});
        float[] big = new float[BIG];
        java.util.Arrays.fill(big, Float.NaN);
        s.put("1", big);
        s.put("2", new float[] {7, 8});
        return s;
    }

    private static long bytesRead(WeightsReader r) {
        return r instanceof TorchReader t ? t.bytesRead() : ((SafetensorsReader) r).bytesRead();
    }

    @Test
    void readingFeaturesReadsNoClassifierBytes() throws IOException {
        Path legacy = TorchFiles.write(dir, "legacy.pth", TorchFiles.legacy(pickle(true), storages()));
        Path zip = TorchFiles.write(dir, "zip.pth", TorchFiles.zip(pickle(false), storages()));
        Map<String, INDArray> st = new LinkedHashMap<>();
        st.put("features.0.weight", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        st.put("classifier.0.weight", Nd4j.valueArrayOf(new long[] {BIG}, Float.NaN, DataType.FLOAT));
        st.put("features.0.bias", Nd4j.createFromArray(7f, 8f));
        Path safetensors = dir.resolve("st.safetensors");
        SafetensorsWriter.write(safetensors, st, null);

        for (Path p : new Path[] {legacy, zip, safetensors}) {
            try (WeightsReader r = WeightsFiles.open(p)) {
                assertThat(r.tensors()).hasSize(3);
                assertIdentical(p + " features.0.weight", r.read("features.0.weight"), Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
                assertIdentical(p + " features.0.bias", r.read("features.0.bias"), Nd4j.createFromArray(7f, 8f));
                // Metadata plus two small tensors; the pickle reader's 64 KiB read-ahead is the largest part.
                assertThat(bytesRead(r)).as(p.toString()).isLessThan(100_000);
                r.read("classifier.0.weight");
                assertThat(bytesRead(r)).isGreaterThan(16L << 20);
            }
        }
    }
}
