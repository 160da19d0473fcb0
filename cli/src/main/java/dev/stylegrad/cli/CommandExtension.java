package dev.stylegrad.cli;

/**
 * A command another module adds to {@code stylegrad} (found with {@link java.util.ServiceLoader} when that module is on
 * the classpath): the Spark module's {@code spark-apply}, so the CLI itself never depends on Spark.
 */
public interface CommandExtension {
    /** The command's name, e.g. {@code spark-apply}. */
    String name();

    /** A new picocli command object (annotated with {@code @Command}). */
    Object command();
}
