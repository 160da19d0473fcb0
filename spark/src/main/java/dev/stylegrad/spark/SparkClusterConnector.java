package dev.stylegrad.spark;

import dev.stylegrad.cli.ClusterConnector;
import dev.stylegrad.style.StepRunner;
import java.util.Locale;
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
                    System.err.printf(Locale.ROOT, "stylegrad: Spark: %d tasks in %d jobs, %.1f MB of arrays sent to executors (and %.1f MB broadcast), "
                            + "%.1f MB of results back, %.1f s waiting for them%n", st.tasks, st.passes, st.bytesOut / 1e6, st.bytesShared / 1e6,
                            st.bytesBack / 1e6, st.seconds);
                    st.phases.forEach((phase, c) -> System.err.printf(Locale.ROOT, "stylegrad: Spark:   %s: %d jobs, %d tasks, %.2f s per task "
                            + "(slowest %.2f), busiest executor %.1f s, waited %.1f s, overhead %.1f s%n", phase, c.passes, c.tasks,
                            c.taskSeconds / c.tasks, c.slowestTaskSeconds, c.busiestExecutorSeconds, c.waitSeconds, c.overheadSeconds()));
                }
                spark.stop();
            }
        };
    }
}
