package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write that fails half way leaves no file at the target's name (so a rerun never skips a partial output). */
class HadoopFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFailedWriteLeavesNeitherTargetNorTemporary() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(dir.resolve("sub/out.png").toUri());
        assertThatThrownBy(() -> HadoopFiles.writeAtomically(fs, target, out -> {
            out.write(new byte[1000]);
            throw new IOException("worker lost");
        })).hasMessage("worker lost");
        try (Stream<Path> walk = Files.walk(dir)) {
            assertThat(walk.filter(Files::isRegularFile).toList()).isEmpty();
        }
        HadoopFiles.writeAtomically(fs, target, out -> out.write(new byte[] {1, 2, 3}));
        assertThat(Files.readAllBytes(dir.resolve("sub/out.png"))).containsExactly(1, 2, 3);
        try (Stream<Path> walk = Files.walk(dir)) {
            assertThat(walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList()).containsExactly("out.png");
        }
    }
}
