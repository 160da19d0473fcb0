package dev.stylegrad.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --master} and {@code --conf}, shared by {@code run} and {@code train} (a picocli mixin). */
final class ClusterOptions {
    @Option(names = "--master", paramLabel = "URL",
            description = "Compute on this Spark cluster (spark://HOST:PORT, or local[N]): run's tiled scales' windows (untiled scales stay here; the "
                    + "picture is the same bit for bit), train's batches cut into one shard per task slot (the same to float rounding).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting for --master (repeatable), e.g. spark.executor.memory=8g.")
    Map<String, String> conf = new LinkedHashMap<>();

    /** The usage errors; a missing spark module is one too, found before any work. */
    void check(picocli.CommandLine.Model.CommandSpec spec) {
        if (!conf.isEmpty() && master == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--conf sets Spark settings for --master: give --master URL too");
        }
        if (master != null) ClusterConnector.find();
    }

    /** The cluster for this command, or null without {@code --master}. */
    ClusterConnector.Cluster connect() {
        if (master == null) return null;
        ClusterConnector.Cluster c = ClusterConnector.find().connect(master, conf);
        System.err.println("stylegrad: computing on " + c.runner().describe() + ", " + c.runner().parallelism() + " task slots");
        return c;
    }
}
