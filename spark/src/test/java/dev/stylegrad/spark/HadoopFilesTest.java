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

    @Test
    void theTemporariesOfDeadWritersGoAndNothingElse() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Files.createDirectories(dir.resolve("a/b"));
        String[] stale = {"a/.pic.png.12345-9f0c3ab2.tmp", "a/b/.pic.jpg.0b6c1c2e-8f4e-4d63-9f7e-2a51b1c3d4e5.tmp"};
        String[] kept = {"a/pic.png", "a/.hidden.tmp", "a/b/pic.jpg.tmp", "a/b/.pic.jpg.12345-9f0c3ab2.tmp.png", "a/b/notes.txt"};
        for (String f : stale) Files.write(dir.resolve(f), new byte[] {1});
        for (String f : kept) Files.write(dir.resolve(f), new byte[] {1});
        assertThat(HadoopFiles.removeTemporaries(fs, new org.apache.hadoop.fs.Path(dir.toUri()))).isEqualTo(2);
        for (String f : stale) assertThat(dir.resolve(f)).doesNotExist();
        for (String f : kept) assertThat(dir.resolve(f)).exists();
        assertThat(HadoopFiles.removeTemporaries(fs, new org.apache.hadoop.fs.Path(dir.resolve("none").toUri()))).isZero();
    }
}
