package dev.stylegrad.cli;

import dev.stylegrad.style.SettingsException;
import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.ConvAlgorithm;
import picocli.CommandLine.Option;

/** {@code --conv-algorithm}, for every command that runs convolutions: how oneDNN computes the 3×3 ones. */
final class ConvAlgorithmOption {
    @Option(names = "--conv-algorithm", paramLabel = "direct|winograd|auto",
            description = "How the float32 3x3 convolutions are computed: direct, winograd (oneDNN's Winograd kernels, on AVX-512 CPUs; "
                    + "the same sums in another order), or auto: Winograd for the layers with 32 or more channels in and out, where it "
                    + "measured 2-3x faster, direct for the rest and where Winograd is absent (AVX2). Default: auto.")
    String name;

    /**
     * Makes the choice for this process, if the option was given.
     *
     * @throws SettingsException for a name that is none of the three (a usage error)
     * @throws UnsupportedOptionException for winograd where oneDNN has no Winograd kernels
     */
    void apply() throws UnsupportedOptionException {
        if (name == null) return;
        ConvAlgorithm a;
        try {
            a = ConvAlgorithm.parse(name);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("--conv-algorithm must be direct, winograd or auto, got '" + name + "'");
        }
        String why = a.unavailableReason();
        if (why != null) throw new UnsupportedOptionException("--conv-algorithm " + a.cliName() + ": " + why);
        Backend.setConvAlgorithm(a);
    }
}
