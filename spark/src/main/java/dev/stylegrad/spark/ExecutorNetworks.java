package dev.stylegrad.spark;

import dev.stylegrad.models.TransformerNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trained networks this JVM (a Spark executor, or the driver in local mode) has loaded, by file: each is read once
 * and then shared by every task thread ({@link TransformerNet#apply} may be called from several threads at once).
 */
final class ExecutorNetworks {
    private static final ConcurrentHashMap<String, TransformerNet> LOADED = new ConcurrentHashMap<>();

    private ExecutorNetworks() {}

    /** The network at {@code model} (a qualified Hadoop path), read the first time this JVM asks for it. */
    static TransformerNet get(String model, Configuration conf) throws IOException {
        TransformerNet net = LOADED.get(model);
        if (net != null) return net;
        synchronized (LOADED) {
            net = LOADED.get(model);
            if (net == null) {
                net = load(new org.apache.hadoop.fs.Path(model), conf).freeze(); // only applied, as `stylegrad apply` does
                LOADED.put(model, net);
            }
            return net;
        }
    }

    private static TransformerNet load(org.apache.hadoop.fs.Path model, Configuration conf) throws IOException {
        FileSystem fs = model.getFileSystem(conf);
        if ("file".equals(fs.getUri().getScheme())) return TransformerNet.load(Path.of(model.toUri()));
        Path local = Files.createTempFile("stylegrad-model-", "-" + model.getName()); // the readers need random access
        try {
            fs.copyToLocalFile(false, model, new org.apache.hadoop.fs.Path(local.toUri()), true);
            return TransformerNet.load(local);
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
