package dev.stylegrad.tensor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.function.Executable;

/** Runs test bodies under a named convolution algorithm. */
public final class ConvAlgorithms {
    private ConvAlgorithms() {}

    /**
     * Runs {@code body} with the convolutions computed by {@code a} (skipped where this CPU has no Winograd kernels),
     * then restores the process's choice. The fixture networks are narrower than the 32 channels from which
     * {@code auto} takes Winograd, so Winograd runs on them are asked for by name.
     */
    public static void with(ConvAlgorithm a, Executable body) throws Throwable {
        Assumptions.assumeTrue(a.unavailableReason() == null, () -> a.cliName() + ": " + a.unavailableReason());
        ConvAlgorithm before = KernelConfig.convAlgorithm();
        Backend.setConvAlgorithm(a);
        try {
            body.execute();
        } finally {
            Backend.setConvAlgorithm(before);
        }
    }
}
