package dev.stylegrad.cli;

import dev.stylegrad.tensor.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code stylegrad} command: {@code run}, {@code train}, {@code apply}, {@code adain}, {@code features}, {@code weights fetch|verify|convert}.
 * Without a subcommand it reports its version and the ND4J backend.
 */
@Command(name = "stylegrad", mixinStandardHelpOptions = true, versionProvider = StylegradCli.Version.class,
        description = "Neural style transfer (Gatys et al. 2016) on the JVM.",
        subcommands = {RunCommand.class, TrainCommand.class, ApplyCommand.class, AdaInCommand.class, TrainAdaInCommand.class, FeaturesCommand.class, WeightsCommand.class})
public final class StylegradCli implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests; {@link #main} exits with it). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new StylegradCli());
        for (CommandExtension extension : java.util.ServiceLoader.load(CommandExtension.class)) cli.addSubcommand(extension.name(), extension.command());
        return cli.setOut(new java.io.PrintWriter(System.out, true))
                .setErr(new java.io.PrintWriter(System.err, true))
                .setExecutionExceptionHandler(Cli::handle)
                .execute(args);
    }

    @Override
    public void run() {
        // Version to stdout (it was asked for); the backend line is a status report, so it goes to stderr.
        System.out.println("stylegrad " + version());
        System.err.println(Backend.current().report());
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = StylegradCli.class.getResourceAsStream("/stylegrad-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    /** {@code --version}: the release and the backend. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"stylegrad " + version(), Backend.current().report()};
        }
    }
}
