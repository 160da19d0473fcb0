package dev.stylegrad.spark;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import dev.stylegrad.tensor.KernelConfig;
import org.apache.spark.sql.SparkSession;

/** The Spark sessions stylegrad's commands open: local mode by default, a cluster with the job's jar shipped to it. */
final class SparkSessions {
    private SparkSessions() {}

    /**
     * A session named {@code name}: on {@code master} (null: spark-submit's master if it set one, else local mode on
     * every core, listening on loopback only), with {@code conf} applied first. Executors of a cluster get the jar
     * holding stylegrad (see {@link #shippedJars}), the {@code stylegrad.*} system properties of this JVM (kernel
     * choices) and the convolution algorithm in force here, so they compute as this JVM does.
     */
    static SparkSession open(String name, String master, Map<String, String> conf) {
        SparkSession.Builder b = SparkSession.builder().appName(name);
        conf.forEach(b::config);
        // spark-submit passes its --master as the spark.master property: that one wins over the local default.
        if (master == null && System.getProperty("spark.master") == null) {
            b.master("local[*]").config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false");
        } else if (master != null) {
            b.master(master).config("spark.jars", shippedJars(conf.get("spark.jars")));
            b.config("spark.executor.extraJavaOptions", executorJavaOptions(conf.get("spark.executor.extraJavaOptions")));
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    /**
     * The executors' JVM options: {@code given} (from --conf), then this JVM's {@code stylegrad.*} system properties
     * (kernel choices) and the convolution algorithm in force here, which --conv-algorithm may have chosen after the
     * property was read.
     */
    static String executorJavaOptions(String given) {
        StringBuilder props = new StringBuilder(given == null ? "" : given);
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("stylegrad.") && !k.equals("stylegrad.home") && !k.equals(KernelConfig.CONV_ALGORITHM_PROPERTY)).sorted()
                .forEach(k -> props.append(" -D").append(k).append('=').append(System.getProperty(k)));
        props.append(" -D").append(KernelConfig.CONV_ALGORITHM_PROPERTY).append('=').append(KernelConfig.convAlgorithm().cliName());
        return props.toString().trim();
    }

    /**
     * What executors need from this side: the jar holding the job's classes (the spark-submit jar when there is one beside
     * it, with stylegrad and ND4J inside; otherwise this module's jar, the cluster's Spark home providing the rest, as
     * the test cluster's does), after any spark.jars given with --conf.
     */
    private static String shippedJars(String given) {
        Path self;
        try {
            self = Path.of(SparkSessions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String name = self.getFileName().toString();
        Path fat = self.resolveSibling(name.replace(".jar", "-spark-submit.jar"));
        String jar = Files.isRegularFile(fat) && !name.endsWith("-spark-submit.jar") ? fat.toString() : self.toString();
        return given == null || given.isBlank() ? jar : given + "," + jar;
    }
}
