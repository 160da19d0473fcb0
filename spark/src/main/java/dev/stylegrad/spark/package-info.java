/**
 * Batch stylization of picture collections on Apache Spark: {@link dev.stylegrad.spark.BatchStylize} (the job and
 * its Java API: a {@code SparkSession} in, the report as a {@code Dataset<Row>} out). Spark is a provided dependency:
 * the cluster (or, in local mode, the command line's classpath) supplies it, and the library modules never see it.
 */
package dev.stylegrad.spark;
