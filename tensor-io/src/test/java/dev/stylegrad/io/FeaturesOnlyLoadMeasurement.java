package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measurement, not a test (off unless -Dstylegrad.measureFile=PATH): loads only {@code features.*} from a full-size
 * VGG19 checkpoint and prints wall time, bytes read from the file, peak Java heap and peak process RSS. Run one file
 * per JVM so the RSS peak is its own, e.g.
 * {@code mvn -o test -pl vgg-loader -Dtest=FeaturesOnlyLoadMeasurement -Dstylegrad.measureFile=/tmp/vgg19.pth}.
 */
@EnabledIfSystemProperty(named = "stylegrad.measureFile", matches = ".+")
class FeaturesOnlyLoadMeasurement {
    @Test
    void loadFeaturesOnly() throws IOException {
        Path file = Path.of(System.getProperty("stylegrad.measureFile"));
        Nd4j.create(1); // load ND4J's native libraries before measuring
        System.gc();
        resetPeaks();
        long rssBefore = procStatusKb("VmRSS");
        long heapBefore = heapUsed();

        long t0 = System.nanoTime();
        List<INDArray> features = new ArrayList<>();
        long bytesRead;
        long elements = 0;
        try (WeightsReader r = WeightsFiles.open(file)) {
            long tOpen = System.nanoTime();
            for (TensorInfo t : r.tensors()) {
                if (t.name().startsWith("features.")) {
                    INDArray a = r.read(t.name());
                    features.add(a);
                    elements += a.length();
                }
            }
            bytesRead = r instanceof TorchReader tr ? tr.bytesRead() : ((SafetensorsReader) r).bytesRead();
            System.out.printf("open (metadata only): %.1f ms%n", (tOpen - t0) / 1e6);
        }
        long wallNs = System.nanoTime() - t0;

        System.out.printf("file: %s (%,d bytes, %s)%n", file, Files.size(file), file.getFileName());
        System.out.printf("features.* tensors: %d, %,d floats = %,d bytes%n", features.size(), elements, 4 * elements);
        System.out.printf("wall time open + read features: %.1f ms%n", wallNs / 1e6);
        System.out.printf("bytes read from the file: %,d%n", bytesRead);
        System.out.printf("heap used before %.1f MiB, peak heap (sum of pool peaks since reset) %.1f MiB%n",
                heapBefore / 1048576.0, peakHeap() / 1048576.0);
        System.out.printf("RSS before %.1f MiB, VmHWM (peak RSS since reset) %.1f MiB, RSS after %.1f MiB%n",
                rssBefore / 1024.0, procStatusKb("VmHWM") / 1024.0, procStatusKb("VmRSS") / 1024.0);
        assertThat(features).hasSize(32);
        Path expected = file.resolveSibling("features.34.weight.npy");
        if (Files.exists(expected)) {
            assertIdentical("features.34.weight", features.get(30), dev.stylegrad.io.Npy.read(expected));
            System.out.println("features.34.weight matches " + expected);
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS (Linux)
        } catch (IOException | RuntimeException e) {
            System.out.println("could not reset VmHWM: " + e);
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    private static long procStatusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
