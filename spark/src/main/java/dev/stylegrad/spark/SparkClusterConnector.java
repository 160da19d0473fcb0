package dev.stylegrad.spark;

import dev.stylegrad.cli.ClusterConnector;
import dev.stylegrad.style.StepRunner;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** {@code run --master URL}: a Spark session for the run, whose tiled scales' windows become its tasks. */
public final class SparkClusterConnector implements ClusterConnector {
    @Override
    public Cluster connect(String master, Map<String, String> conf) {
        SparkSession spark = SparkSessions.open("stylegrad run", master, conf);
        SparkStepRunner runner = new SparkStepRunner(spark);
        return new Cluster() {
            @Override
            public StepRunner runner() {
                return runner;
            }

            @Override
            public void close() {
                SparkStepRunner.Stats st = runner.stats();
                if (st.tasks > 0) {
                    System.err.printf(java.util.Locale.ROOT, "stylegrad: Spark: %d tasks in %d jobs, %.1f MB of arrays sent to executors, %.1f s waiting for them%n",
                            st.tasks, st.passes, st.bytesOut / 1e6, st.seconds);
                }
                spark.stop();
            }
        };
    }
}
