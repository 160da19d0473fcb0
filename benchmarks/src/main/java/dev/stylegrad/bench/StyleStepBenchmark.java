package dev.stylegrad.bench;

import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seconds per whole style step ({@link StyleStep}: forward through relu5_1, content and five Gram losses, backward to
 * the image, Adam) at 256² and 512² on a random full-width VGG19. One step per iteration (single-shot), the steps
 * continuing one optimization, as in a run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class StyleStepBenchmark {
    @Param({"256", "512"})
    public int side;

    private StyleStep step;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        BenchSupport.reportBackendOnce();
        step = StyleStep.create(side, 42);
    }

    @Benchmark
    public Objective.Evaluation styleStep() {
        return step.step();
    }
}
