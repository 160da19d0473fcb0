package dev.stylegrad.cli;

import dev.stylegrad.style.StepRunner;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * How {@code run --master URL} reaches a cluster: provided by the Spark module (found with {@link ServiceLoader} when
 * it is on the classpath, as the launcher puts it for {@code --master}), so the CLI itself never depends on Spark.
 */
public interface ClusterConnector {
    /** A connection for one run: its tile runner, and what closing it stops. */
    interface Cluster extends AutoCloseable {
        StepRunner runner();

        @Override
        void close();
    }

    /** Connects to {@code master} with extra settings {@code conf} (key = value). */
    Cluster connect(String master, Map<String, String> conf);

    /**
     * The connector on the classpath.
     *
     * @throws UnsupportedOperationException if there is none (an option this build cannot honour: exit 2)
     */
    static ClusterConnector find() {
        return ServiceLoader.load(ClusterConnector.class).findFirst().orElseThrow(() -> new UnsupportedOperationException(
                "--master needs the spark module on the classpath: run it through ./stylegrad (which adds it for --master) or add dev.stylegrad:spark"));
    }
}
