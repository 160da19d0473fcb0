package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The real ImageNet VGG19 features file (shared/weights/vgg19-keras-features.pth, legacy format, never committed).
 * Skipped when the file is absent; it is looked for next to the repository's parent folders, or at
 * -Dstylegrad.vggFeatures=PATH.
 */
class RealVggWeightsTest {
    static final String RELATIVE = "shared/weights/vgg19-keras-features.pth";
    static final int[] CONVS = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};

    static Path find() {
        String override = System.getProperty("stylegrad.vggFeatures");
        if (override != null) return Path.of(override);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(RELATIVE);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    @Test
    void readsAll32FeatureTensors() throws IOException {
        Path file = find();
        assumeTrue(file != null && Files.isRegularFile(file), RELATIVE + " not found; skipping");
        try (WeightsReader r = WeightsFiles.open(file)) {
            assertThat(r.format()).isEqualTo("pytorch-legacy");
            assertThat(r.tensors()).hasSize(32);
            for (int i = 0; i < CONVS.length; i++) {
                assertThat(r.tensors().get(2 * i).name()).isEqualTo("features." + CONVS[i] + ".weight");
                assertThat(r.tensors().get(2 * i + 1).name()).isEqualTo("features." + CONVS[i] + ".bias");
            }
            assertThat(r.tensors().get(0)).isEqualTo(new TensorInfo("features.0.weight", "float32", new long[] {64, 3, 3, 3}));
            assertThat(r.tensors().get(31).shape()).containsExactly(512);
            long total = 0;
            for (TensorInfo t : r.tensors()) {
                INDArray a = r.read(t.name());
                assertThat(a.shape()).containsExactly(t.shape());
                assertThat(a.isInfinite().any() || a.isNaN().any()).as(t.name()).isFalse();
                assertThat(a.amaxNumber().doubleValue()).as(t.name()).isPositive();
                total += a.length();
            }
            assertThat(total).isEqualTo(20_024_384L); // VGG19's convolution parameters
        }
    }
}
