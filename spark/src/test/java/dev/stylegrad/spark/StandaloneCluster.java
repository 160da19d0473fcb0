package dev.stylegrad.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests, started as users start one: Spark's own {@code Master} and
 * {@code Worker} classes, each in its own JVM process, the workers launching executors from a Spark home whose
 * {@code jars/} the build filled (stylegrad.spark.home). Closing it stops every process, also after a failed test.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final String OPENS = System.getProperty("stylegrad.spark.opens", "");
    final Path home = Path.of(System.getProperty("stylegrad.spark.home", "target/spark-home"));
    private final Path logs;
    private final int masterPort, masterUiPort;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    StandaloneCluster(Path workDir, int workers, int cores, String memory) throws IOException, InterruptedException {
        if (!Files.isDirectory(home.resolve("jars"))) throw new IllegalStateException(home + "/jars is missing: run the build's package phase first");
        logs = Files.createDirectories(workDir.resolve("logs"));
        masterPort = freePort();
        masterUiPort = freePort();
        // If the test JVM is stopped (SIGTERM: a killed build, surefire's timeout), close() never runs: this hook
        // stops the processes then. One killed build had left a master and two workers running for two hours.
        Runtime.getRuntime().addShutdownHook(orphanGuard);
        master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(masterPort),
                "--webui-port", Integer.toString(masterUiPort));
        try {
            for (int i = 0; i < workers; i++) {
                Path dir = Files.createDirectories(workDir.resolve("worker-" + i));
                this.workers.add(start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", Integer.toString(cores),
                        "--memory", memory, "--work-dir", dir.toString(), "--webui-port", Integer.toString(freePort()), masterUrl()));
            }
            awaitWorkers(workers, Duration.ofSeconds(120));
        } catch (IOException | InterruptedException | RuntimeException e) {
            close(); // the caller gets no cluster to close
            throw e;
        }
    }

    private final Thread orphanGuard = new Thread(this::destroyAll, "stop-standalone-cluster");

    private void destroyAll() {
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroyForcibly);
            w.destroyForcibly();
        }
        if (master != null) master.destroyForcibly();
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** Stops a test's session, then its cluster (also when the session fails to stop); either may be null. */
    static void stop(org.apache.spark.sql.SparkSession spark, StandaloneCluster cluster) throws InterruptedException {
        try {
            if (spark != null) spark.stop();
        } finally {
            if (cluster != null) cluster.close();
        }
    }

    /** A session on this cluster as the tests use it: one one-core executor per worker, the job's jar shipped. */
    org.apache.spark.sql.SparkSession session(String name) {
        return session(name, 1);
    }

    /** {@link #session(String)} with {@code nativeThreads} OpenMP threads per executor. */
    org.apache.spark.sql.SparkSession session(String name, int nativeThreads) {
        return org.apache.spark.sql.SparkSession.builder().master(masterUrl()).appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "1200m").config("spark.executor.cores", "1")
                .config("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(nativeThreads))
                .config("spark.jars", Path.of(System.getProperty("stylegrad.spark.jar")).toAbsolutePath().toString())
                .getOrCreate();
    }

    /** Kills worker {@code i} with SIGKILL (its executors notice their worker is gone and exit). */
    void kill(int i) throws InterruptedException {
        Process w = workers.get(i);
        w.descendants().forEach(ProcessHandle::destroyForcibly);
        w.destroyForcibly();
        w.waitFor(30, TimeUnit.SECONDS);
    }

    /** A worker killed while one of its executors was writing {@code file}. */
    record Kill(int worker, String file) {
    }

    /**
     * Kills a worker and its executors with SIGKILL at a moment one of its executors holds a file under {@code dir} open
     * that has no bytes yet, so the kill lands inside a write (as a machine that dies does). Every worker is watched, since
     * the scheduler may have left any of them idle. Returns what was killed, or {@code null} without killing anything if
     * no write was caught before {@code giveUp} said so. Linux: the open files are read from {@code /proc/<pid>/fd}.
     */
    Kill killWhileWriting(Path dir, java.util.function.BooleanSupplier giveUp) throws IOException, InterruptedException {
        String prefix = dir.toRealPath() + "/";
        try (Signals signals = new Signals()) {
            while (!giveUp.getAsBoolean()) {
                for (int i = 0; i < workers.size(); i++) {
                    for (ProcessHandle executor : workers.get(i).descendants().toList()) {
                        String open = openUnder(executor.pid(), prefix);
                        if (open == null) continue;
                        // Freeze it, and kill only if the write is still unfinished while it cannot move on.
                        signals.send("STOP", executor.pid());
                        if (open.equals(openUnder(executor.pid(), prefix))) {
                            kill(i);
                            return new Kill(i, open);
                        }
                        signals.send("CONT", executor.pid());
                    }
                }
            }
        }
        return null;
    }

    /** Sends signals through one shell whose {@code kill} is a builtin: no process start between seeing and freezing. */
    private static final class Signals implements AutoCloseable {
        private final Process shell;
        private final java.io.BufferedWriter commands;
        private final java.io.BufferedReader answers;

        Signals() throws IOException {
            shell = new ProcessBuilder("bash", "-c", "while read -r s p; do kill -$s $p 2>/dev/null; echo .; done").start();
            commands = shell.outputWriter();
            answers = shell.inputReader();
        }

        void send(String name, long pid) throws IOException {
            commands.write(name + " " + pid + "\n");
            commands.flush();
            answers.readLine();
        }

        @Override
        public void close() {
            shell.destroyForcibly();
        }
    }

    private static String openUnder(long pid, String prefix) {
        try (var fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    // Empty: its bytes are still to come (ImageIO caches an encoding and writes it at the end).
                    if (target.toString().startsWith(prefix) && Files.size(target) == 0) return target.toString();
                } catch (IOException e) {
                    // closed since it was listed
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return null;
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(Arrays.asList(OPENS.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", home.resolve("jars") + "/*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toAbsolutePath().toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13"); // a Spark home from jars alone: no build directories to infer it from
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOG_DIR", logs.toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    /** Waits until the master's status page lists {@code count} alive workers. */
    private void awaitWorkers(int count, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) throw new IllegalStateException("the Spark master exited; see " + logs.resolve("master.log"));
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (last.contains("\"aliveworkers\" : " + count) || last.contains("\"aliveworkers\":" + count)) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the cluster did not get " + count + " workers in " + timeout + "; master says " + last + "; logs in " + logs);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The end of a process's log, for a failure message. */
    String log(String name) throws IOException {
        byte[] all = Files.readAllBytes(logs.resolve(name + ".log"));
        return new String(all, Math.max(0, all.length - 4000), Math.min(all.length, 4000));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook does the stopping
        }
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroy);
            w.destroy();
        }
        if (master != null) master.destroy();
        for (Process p : workers) if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        if (master != null && !master.waitFor(20, TimeUnit.SECONDS)) master.destroyForcibly();
    }
}
