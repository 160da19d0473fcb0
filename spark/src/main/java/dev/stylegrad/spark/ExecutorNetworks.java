package dev.stylegrad.spark;

import dev.stylegrad.models.TransformerNet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trained networks this JVM (a Spark executor, or the driver in local mode) has loaded, by file: each is read once
 * and then shared by every task thread ({@link TransformerNet#apply} may be called from several threads at once).
 */
final class ExecutorNetworks {
    private static final ConcurrentHashMap<String, TransformerNet> LOADED = new ConcurrentHashMap<>();

    private ExecutorNetworks() {}

    static TransformerNet get(String localFile) throws IOException {
        TransformerNet net = LOADED.get(localFile);
        if (net != null) return net;
        synchronized (LOADED) {
            net = LOADED.get(localFile);
            if (net == null) {
                net = TransformerNet.load(Path.of(localFile));
                LOADED.put(localFile, net);
            }
            return net;
        }
    }
}
