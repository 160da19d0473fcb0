package dev.stylegrad.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
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
    /** The temporary names of this class and of {@code AtomicFiles}: hidden, the target's name, a writer id, .tmp. */
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\..+\\.([0-9]+-[0-9a-f]+|[0-9a-f-]{36})\\.tmp");

    /**
     * Deletes the temporaries left under {@code dir} by writers that were killed mid-write (a lost executor). Only
     * safe when no writer is at work there, as at the end of a job: a temporary's writer may be on another machine, so
     * whether it is alive cannot be told from here. Returns how many were deleted.
     */
    static int removeTemporaries(FileSystem fs, Path dir) throws IOException {
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) fs = local.getRaw();
        if (!fs.exists(dir)) return 0;
        int removed = 0;
        org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(dir, true);
        List<Path> stale = new java.util.ArrayList<>();
        while (files.hasNext()) {
            Path p = files.next().getPath();
            if (TEMPORARY.matcher(p.getName()).matches()) stale.add(p);
        }
        for (Path p : stale) if (fs.delete(p, false)) removed++;
        return removed;
    }

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
