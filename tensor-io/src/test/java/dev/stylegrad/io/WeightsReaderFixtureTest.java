package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stylegrad.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The readers against PyTorch: one state dict saved by make_io_fixtures.py in the zip format, the legacy format
 * (v2 and the old 4-argument _rebuild_tensor) and as safetensors must give the .npy values torch computed.
 */
class WeightsReaderFixtureTest {
    static final Path DIR = Path.of("src/test/fixtures/io");

    /** name, dtype, shape in state-dict order, from expected/index.json. */
    static List<TensorInfo> expectedInfos() throws IOException {
        JsonNode index = new ObjectMapper().readTree(DIR.resolve("expected/index.json").toFile());
        List<TensorInfo> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = index.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode shape = e.getValue().get(1);
            long[] s = new long[shape.size()];
            for (int i = 0; i < s.length; i++) s[i] = shape.get(i).longValue();
            out.add(new TensorInfo(e.getKey(), e.getValue().get(0).textValue(), s));
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"small_zip.pth, pytorch-zip", "small_legacy.pth, pytorch-legacy", "small_legacy_v1.pth, pytorch-legacy",
            "small.safetensors, safetensors"})
    void readsEveryFloatTensorExactlyAsTorchSavedIt(String fileName, String format) throws IOException {
        try (WeightsReader r = WeightsFiles.open(DIR.resolve(fileName))) {
            assertThat(r.format()).isEqualTo(format);
            assertThat(r.file()).isEqualTo(DIR.resolve(fileName));
            assertThat(r.tensors()).containsExactlyElementsOf(expectedInfos());
            for (TensorInfo info : r.tensors()) {
                if (info.dtype().equals("int64")) continue;
                INDArray actual = r.read(info.name());
                INDArray expected = Npy.read(DIR.resolve("expected/" + info.name() + ".npy"));
                assertThat(actual.dataType()).isEqualTo(DataType.FLOAT);
                assertThat(actual.ordering()).isEqualTo('c');
                assertThat(actual.shape()).as(info.name()).containsExactly(info.shape());
                // Exact: float32 is copied, float16 widens exactly, float64 rounds the same way NumPy does.
                // (Npy reads a 0-d array as shape [1]; the reader keeps torch's shape [], checked above.)
                assertIdentical(fileName + " " + info.name(), actual.reshape(expected.shape()), expected);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"small_zip.pth", "small_legacy.pth", "small_legacy_v1.pth", "small.safetensors"})
    void refusesIntegerTensorsAndUnknownNamesWithTheLoadersException(String fileName) throws IOException {
        try (WeightsReader r = WeightsFiles.open(DIR.resolve(fileName))) {
            assertThatThrownBy(() -> r.read("long")).isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining(fileName).hasMessageContaining("'long' has dtype int64");
            assertThatThrownBy(() -> r.read("classifier.0.weight")).isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining(fileName).hasMessageContaining("no tensor named 'classifier.0.weight'")
                    .hasMessageContaining("11 tensors");
        }
    }
}
