package dev.stylegrad.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Files on any Hadoop file system written so that a reader never sees a partial one. */
final class HadoopFiles {
    private HadoopFiles() {}

    /** Writes the content to a stream. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} under a hidden temporary name beside it, then renames it into place (atomic on HDFS and
     * local file systems; object stores copy, so a target there is complete once it exists as well). A temporary
     * whose writer died is left to the next write's cleanup-free retry: its random name never collides.
     */
    static void writeAtomically(FileSystem fs, Path target, Content content) throws IOException {
        // Hadoop's local file system would add a .crc file beside each output: write the plain files users expect.
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) fs = local.getRaw();
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        fs.mkdirs(target.getParent());
        boolean done = false;
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                content.writeTo(out);
                out.hsync();
            }
            if (fs.exists(target)) fs.delete(target, false); // a rerun with an output written meanwhile: ours is the same picture
            if (!fs.rename(tmp, target)) throw new IOException(target + ": could not rename " + tmp.getName() + " into place");
            done = true;
        } finally {
            if (!done) fs.delete(tmp, false);
        }
    }
}
