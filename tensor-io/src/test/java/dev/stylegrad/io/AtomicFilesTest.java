package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheTargetWholeWithUsualPermissions() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        AtomicFiles.write(target, out -> out.write("new content".getBytes()));
        assertThat(Files.readString(target)).isEqualTo("new content");
        // Not 0600 as Files.createTempFile would make it: others may read what the user's umask allows.
        Path reference = Files.createFile(dir.resolve("reference"));
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(reference));
        assertThat(Files.getPosixFilePermissions(target)).contains(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(2);
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFiles.write(target, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        })).hasMessage(target + ": could not write it (disk full)"); // the target named, never the hidden temporary
        assertThat(Files.readString(target)).isEqualTo("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aTargetNameNearTheLimitStillGetsATemporaryThatFits() throws IOException {
        Path target = dir.resolve("é".repeat(60) + "n".repeat(130) + ".png"); // 254 bytes in UTF-8
        assertThat(target.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isEqualTo(254);
        AtomicFiles.write(target, out -> out.write(1));
        assertThat(Files.size(target)).isEqualTo(1);
        assertThat(AtomicFiles.stem(target.getFileName().toString()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(AtomicFiles.NAME_LIMIT - ".4194304-ffffffffffffffff.tmp".length());
        assertThat(AtomicFiles.stem("x.png")).isEqualTo(".x.png");
    }

    @Test
    void temporariesOfProcessesThatAreGoneAreRemovedAndOthersKept() throws Exception {
        Path target = dir.resolve("out.bin");
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        Path stale = dir.resolve(".out.bin." + done.pid() + "-5eed.tmp"); // a kill -9 during a write leaves this
        Path live = dir.resolve(".out.bin." + ProcessHandle.current().parent().orElseThrow().pid() + "-5eed.tmp"); // another writer, still running
        Path other = dir.resolve(".other.bin." + done.pid() + "-5eed.tmp"); // another target's
        for (Path p : new Path[] {stale, live, other}) Files.writeString(p, "partial");
        AtomicFiles.write(target, out -> out.write(1));
        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(other).exists();
    }
}
