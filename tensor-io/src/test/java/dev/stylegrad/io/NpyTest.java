package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32AndFloat64WithHeaderNumPyAccepts() throws IOException {
        INDArray f = Nd4j.rand(DataType.FLOAT, 1, 3, 5, 4).subi(0.5);
        // Values a lossy or byte-swapped copy would get wrong: subnormal, extremes, infinities, NaN.
        float[] special = {Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f};
        for (int i = 0; i < special.length; i++) f.putScalar(new long[] {0, 1, i % 5, i / 5}, special[i]);
        Path p = dir.resolve("f.npy");
        Npy.write(f, p);
        assertIdentical("float32 round trip", Npy.read(p), f);
        byte[] bytes = Files.readAllBytes(p);
        String header = new String(bytes, 10, 80, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, 4), }");
        assertThat((bytes.length - 4 * 60) % 64).isZero(); // data is 64-byte aligned
        INDArray d = Nd4j.rand(DataType.DOUBLE, 7);
        Npy.write(d, dir.resolve("d.npy"));
        assertIdentical("float64 round trip", Npy.read(dir.resolve("d.npy")), d);
        assertThat(new String(Files.readAllBytes(dir.resolve("d.npy")), 10, 60, java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains("'shape': (7,)");
    }

    @Test
    void badFilesFailNamingTheFile() throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.writeString(p, "hello");
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(IOException.class).hasMessageContaining("bad.npy").hasMessageContaining("magic");
        Npy.write(Nd4j.rand(DataType.FLOAT, 4, 4), p);
        byte[] whole = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(whole, whole.length - 3));
        assertThatThrownBy(() -> Npy.read(p)).hasMessageContaining("expected 64 data bytes");
        assertThat(Files.list(dir).filter(f -> f.toString().endsWith(".tmp"))).isEmpty();
    }
}
