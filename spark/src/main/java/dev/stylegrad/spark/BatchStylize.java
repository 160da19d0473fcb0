package dev.stylegrad.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Stylizes every picture under an input path with a trained feed-forward network, on the Spark session it is given
 * (local mode or a cluster), writing each result under the output path with the same relative name:
 *
 * <pre>{@code
 * SparkSession spark = SparkSession.builder().master("local[*]").getOrCreate();
 * Dataset<Row> report = BatchStylize.run(spark, new BatchStylize.Job("starry.safetensors", "photos/", "styled/", null,
 *         ImageFiles.DEFAULT_MAX_PIXELS));
 * }</pre>
 *
 * <p>Pictures are listed with Spark's {@code binaryFile} source (recursively; PNG and JPEG by extension, then by
 * content), paths are Hadoop paths ({@code file:}, {@code hdfs:}, {@code s3a:} where the cluster has the connector).
 * The model is read from its Hadoop path (one every executor can read: {@code hdfs:}, {@code s3a:}, or a folder
 * shared by the machines) once per executor JVM ({@link ExecutorNetworks}), never per picture or per task, and shared
 * by the executor's task threads. Each result is written under a temporary name and renamed,
 * so an output that exists is complete: a rerun skips it, and a job killed halfway resumes where it stopped; the
 * temporaries of executors lost mid-write are deleted when the job ends (so two jobs must not write into one output
 * folder at the same time). Every
 * picture becomes one row of the report (path, status ok/skipped/failed, reason, seconds in all and in its parts:
 * loading the network (the executor's first picture), reading and decoding, the network, encoding and writing), also written as
 * {@value #REPORT} in the output; a picture that fails never fails the job.
 */
public final class BatchStylize {
    /** The report's file name, in the output path. */
    public static final String REPORT = "stylegrad-report.jsonl";
    public static final StructType REPORT_SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, true)
            .add("seconds", DataTypes.DoubleType, false)
            .add("load_seconds", DataTypes.DoubleType, false)
            .add("read_seconds", DataTypes.DoubleType, false)
            .add("network_seconds", DataTypes.DoubleType, false)
            .add("write_seconds", DataTypes.DoubleType, false);

    /** What to stylize: the model, where the pictures are, where results go, an optional longer side, the pixel limit. */
    public record Job(String model, String input, String output, Integer size, long maxPixels) implements Serializable {}

    private BatchStylize() {}

    /** Told on the driver how many pictures are done, as tasks finish. */
    public interface Progress {
        void update(long done, long total);
    }

    /** Runs the job; returns the report, one row per picture found. */
    public static Dataset<Row> run(SparkSession spark, Job job) throws IOException {
        return run(spark, job, (done, total) -> { });
    }

    /** {@link #run(SparkSession, Job)}, telling {@code progress} as tasks finish. */
    public static Dataset<Row> run(SparkSession spark, Job job, Progress progress) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path input = qualified(new Path(job.input()), conf), output = qualified(new Path(job.output()), conf);
        if (output.toString().startsWith(input + "/") || output.equals(input)) {
            throw new dev.stylegrad.style.SettingsException("--output " + job.output() + " is inside --input " + job.input()
                    + ": results would be taken for pictures on the next run; give a folder outside it");
        }
        Path model = qualified(new Path(job.model()), conf);
        if (!model.getFileSystem(conf).isFile(model)) throw new java.io.FileNotFoundException(job.model() + ": no such model file");
        // The source's file index lists every file; its scan would drop empty ones, which must be report rows too.
        List<String> pictures = java.util.Arrays.stream(spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(input.toString())
                .inputFiles()).filter(BatchStylize::isPicture).sorted().toList();
        int partitions = (int) Math.max(1, Math.min(pictures.size(), 4L * spark.sparkContext().defaultParallelism()));
        Dataset<Row> files = spark.createDataset(pictures, Encoders.STRING()).toDF("path").repartition(partitions);
        org.apache.spark.util.LongAccumulator done = spark.sparkContext().longAccumulator("stylegrad pictures");
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                progress.update(Math.min(done.value(), pictures.size()), pictures.size());
            }
        };
        spark.sparkContext().addSparkListener(listener);
        List<Row> rows;
        try {
            rows = files.mapPartitions(new StylizePartition(job, model.toString(), input.toString(), output.toString(), done), Encoders.row(REPORT_SCHEMA))
                    .collectAsList();
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        progress.update(pictures.size(), pictures.size());
        // Every task has ended: temporaries still here were being written by executors that died (Spark redid their pictures).
        HadoopFiles.removeTemporaries(output.getFileSystem(conf), output);
        writeReport(rows, new Path(output, REPORT), conf);
        return spark.createDataFrame(rows, REPORT_SCHEMA);
    }

    static boolean isPicture(String path) {
        String n = path.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static Path qualified(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        return fs.makeQualified(p);
    }

    private static void writeReport(List<Row> rows, Path target, Configuration conf) throws IOException {
        StringBuilder s = new StringBuilder();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (Row r : rows) {
            var n = json.createObjectNode();
            n.put("path", r.getString(0));
            n.put("status", r.getString(1));
            if (!r.isNullAt(2)) n.put("reason", r.getString(2));
            for (int k = 3; k < REPORT_SCHEMA.size(); k++) n.put(REPORT_SCHEMA.fields()[k].name(), r.getDouble(k));
            s.append(json.writeValueAsString(n)).append('\n');
        }
        HadoopFiles.writeAtomically(target.getFileSystem(conf), target, out -> out.write(s.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The work of one partition: each picture read, stylized and written, or reported as skipped or failed. */
    static final class StylizePartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Job job;
        private final String model, input, output;
        private final org.apache.spark.util.LongAccumulator done;

        StylizePartition(Job job, String model, String input, String output, org.apache.spark.util.LongAccumulator done) {
            this.job = job;
            this.done = done;
            this.model = model;
            this.input = input;
            this.output = output;
        }

        @Override
        public java.util.Iterator<Row> call(java.util.Iterator<Row> paths) throws Exception {
            List<Row> rows = new ArrayList<>();
            Configuration conf = new Configuration();
            while (paths.hasNext()) {
                String path = paths.next().getString(0);
                long t0 = System.nanoTime();
                String status, reason = null;
                double load = 0;
                PictureWork.Seconds parts = new PictureWork.Seconds(0, 0, 0);
                try {
                    Path source = new Path(URI.create(path)), target = new Path(output + "/" + relative(path));
                    FileSystem fs = target.getFileSystem(conf);
                    if (fs.exists(target)) {
                        status = "skipped";
                        reason = "output exists";
                    } else {
                        long l0 = System.nanoTime();
                        var net = ExecutorNetworks.get(model, conf); // only the executor's first picture waits for it
                        load = (System.nanoTime() - l0) / 1e9;
                        parts = PictureWork.stylize(net, source, target, job.size(), job.maxPixels(), conf);
                        status = "ok";
                    }
                } catch (Exception | Error e) { // one picture, whatever is wrong with it, is one row, never a failed job
                    status = "failed";
                    reason = e instanceof OutOfMemoryError ? "ran out of memory" : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                }
                rows.add(RowFactory.create(path, status, reason, (System.nanoTime() - t0) / 1e9, load, parts.read(), parts.network(), parts.write()));
                done.add(1);
            }
            return rows.iterator();
        }

        private String relative(String path) {
            String p = new Path(URI.create(path)).toString();
            if (!p.startsWith(input + "/")) throw new IllegalStateException(path + " is not under " + input);
            return p.substring(input.length() + 1);
        }
    }
}
