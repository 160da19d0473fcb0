package dev.stylegrad.tensor;

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
        INDArray f = Nd4j.rand(DataType.FLOAT, 1, 3, 5, 4);
        Path p = dir.resolve("f.npy");
        Npy.write(f, p);
        assertThat(Npy.read(p)).isEqualTo(f);
        byte[] bytes = Files.readAllBytes(p);
        String header = new String(bytes, 10, 80, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, 4), }");
        assertThat((bytes.length - 4 * 60) % 64).isZero(); // data is 64-byte aligned
        INDArray d = Nd4j.rand(DataType.DOUBLE, 7);
        Npy.write(d, dir.resolve("d.npy"));
        assertThat(Npy.read(dir.resolve("d.npy"))).isEqualTo(d);
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
