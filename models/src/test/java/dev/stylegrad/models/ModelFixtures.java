package dev.stylegrad.models;

import java.nio.file.Path;

/**
 * Where the networks' committed test fixtures are, for this module's tests and, through its test-jar, the modules
 * above it. The paths start at the repository's module level ({@code ../models/...}), so they resolve from any
 * module's directory, where Maven runs each module's tests.
 */
public final class ModelFixtures {
    private ModelFixtures() {}

    /** The fixtures' root. */
    public static final Path ROOT = Path.of("../models/src/test/fixtures");
    /** The mini VGG19 (few channels, torchvision's key layout) and its PyTorch features. */
    public static final Path MINI_VGG19_DIR = ROOT.resolve("mini_vgg19");
    /** The mini VGG19 in the legacy serialization (as the published 2017 file). */
    public static final Path MINI_VGG19 = MINI_VGG19_DIR.resolve("mini_vgg19_legacy.pth");
    /** The mini VGG16 (torchvision's vgg16 key layout). */
    public static final Path MINI_VGG16 = ROOT.resolve("mini_vgg16").resolve("mini_vgg16_legacy.pth");
    /** A narrow fast_neural_style TransformerNet, its input pictures and PyTorch's outputs. */
    public static final Path TRANSFORMER = ROOT.resolve("transformer");
    /** Narrow AdaIN networks (pytorch-AdaIN's net.vgg and net.decoder), pictures and PyTorch's results ({@code make_adain.py}). */
    public static final Path ADAIN = ROOT.resolve("adain");
}
