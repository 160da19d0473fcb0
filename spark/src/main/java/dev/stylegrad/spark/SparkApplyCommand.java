package dev.stylegrad.spark;

import dev.stylegrad.cli.BadInputException;
import dev.stylegrad.cli.CommandExtension;
import dev.stylegrad.cli.ExitCode;
import dev.stylegrad.cli.PixelLimit;
import dev.stylegrad.style.image.ImageFiles;
import dev.stylegrad.style.feedforward.PicturePlan;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stylegrad spark-apply}: {@link BatchStylize} from the command line, in Spark's local mode inside this JVM (no
 * cluster needed) or on the cluster {@code --master} names.
 */
@Command(name = "spark-apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stylize every PNG/JPEG under --input with a trained network on Apache Spark, writing each result under --output with the "
                + "same relative name and a report (stylegrad-report.jsonl) beside them; a rerun skips results that exist.",
                "Without --master Spark runs in local mode in this process; with one it connects to that cluster."})
public final class SparkApplyCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "The network (.safetensors from `train`, or the reference's .pth), on a path every executor can read.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "A folder of pictures (file:, hdfs:, s3a: ... as the cluster supports), read recursively.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "Where the results go (outside --input).")
    String output;

    @Option(names = "--size", paramLabel = "N", description = "Scale each picture so its longer side is N pixels first. Default: its own size.")
    Integer size;

    @Option(names = "--max-pixels", paramLabel = "N", converter = PixelLimit.class, defaultValue = "" + ImageFiles.DEFAULT_MAX_PIXELS,
            description = "Refuse pictures declaring more pixels. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @Option(names = "--master", paramLabel = "URL", description = "A Spark master (e.g. spark://host:7077). Default: local mode on every core of this machine.")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, as spark-submit's --conf (e.g. spark.executor.memory=4g); repeatable.")
    Map<String, String> conf = new java.util.LinkedHashMap<>();

    /** Registers the command with {@code stylegrad} when this module is on the classpath. */
    public static final class Extension implements CommandExtension {
        @Override
        public String name() {
            return "spark-apply";
        }

        @Override
        public Object command() {
            return new SparkApplyCommand();
        }
    }

    @Override
    public Integer call() throws Exception {
        PicturePlan.checkSize(size);
        SparkSession spark = SparkSessions.open("stylegrad spark-apply", master, conf);
        try {
            long t0 = System.nanoTime();
            List<Row> report;
            try {
                report = BatchStylize.run(spark, new BatchStylize.Job(model, input, output, size, maxPixels), new PrintedProgress()).collectAsList();
            } catch (dev.stylegrad.style.SettingsException e) {
                throw e; // a usage error, as for apply
            } catch (java.io.FileNotFoundException | IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
            Map<String, Long> counts = report.stream().collect(Collectors.groupingBy(r -> r.getString(1), Collectors.counting()));
            report.stream().filter(r -> r.getString(1).equals("failed")).forEach(r -> System.err.println("stylegrad: failed " + r.getString(0) + ": " + r.getString(2)));
            System.err.printf(Locale.ROOT, "stylegrad: spark-apply: %d written, %d skipped (already there), %d failed, in %.1f s; report in %s/%s%n",
                    counts.getOrDefault("ok", 0L), counts.getOrDefault("skipped", 0L), counts.getOrDefault("failed", 0L), (System.nanoTime() - t0) / 1e9,
                    output, BatchStylize.REPORT);
            return counts.getOrDefault("failed", 0L) > 0 ? ExitCode.BAD_INPUT : ExitCode.OK;
        } finally {
            spark.stop();
        }
    }

    /** Pictures done of the total, with the time left, on stderr (at most every two seconds, and at the end). */
    static final class PrintedProgress implements BatchStylize.Progress {
        private long lastPrint, lastDone = -1, start = System.nanoTime();

        @Override
        public synchronized void update(long done, long total) {
            long now = System.nanoTime();
            if (done == lastDone || (done < total && now - lastPrint < 2_000_000_000L)) return;
            lastDone = done;
            lastPrint = now;
            double seconds = (now - start) / 1e9, eta = done == 0 ? 0 : seconds / done * (total - done);
            System.err.printf(Locale.ROOT, "stylegrad: spark-apply: %d/%d pictures, %.0f s, ETA %.0f s%n", done, total, seconds, eta);
        }
    }
}
