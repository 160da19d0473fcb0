package dev.stylegrad.models;

/**
 * The published torchvision VGG19 file (ImageNet, BSD-3-Clause licence of torchvision's model zoo; 2017, PyTorch's
 * legacy serialization) and the features-only cache stylegrad converts it to.
 */
public final class PublishedWeights {
    private PublishedWeights() {}

    public static final String FILE_NAME = "vgg19-dcbb9e9d.pth";
    public static final String URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth";
    public static final long SIZE = 574_673_361L;
    public static final String SHA256 = "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44";

    /**
     * torchvision's VGG16 (ImageNet), the loss network of the feed-forward networks' training. torchvision publishes
     * only the first 8 hex digits of its sha256 (in the name), and torch.hub checks only those.
     */
    public static final String VGG16_FILE_NAME = "vgg16-397923af.pth";
    public static final String VGG16_URL = "https://download.pytorch.org/models/vgg16-397923af.pth";
    public static final String VGG16_SHA256_PREFIX = "397923af";

    /** Features-only safetensors file written by {@code stylegrad weights convert}; loading it is the fast path. */
    public static final String FEATURES_FILE_NAME = "vgg19-features.safetensors";

    /**
     * naoto0804/pytorch-AdaIN's published encoder (VGG19 converted from Caffe's vgg_normalised, reflection padding; the
     * whole 53-module network, of which AdaIN uses the first 31) and decoder (trained for 160,000 steps on MS-COCO and
     * WikiArt), from its v0.0.0 release. The sha256 values are the release assets' as recorded by a project that pins
     * them (they could not be computed here: this machine is offline).
     */
    public static final String ADAIN_ENCODER_FILE_NAME = "vgg_normalised.pth";
    public static final String ADAIN_ENCODER_URL = "https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/vgg_normalised.pth";
    public static final String ADAIN_ENCODER_SHA256 = "804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a";
    public static final String ADAIN_DECODER_FILE_NAME = "decoder.pth";
    public static final String ADAIN_DECODER_URL = "https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/decoder.pth";
    public static final String ADAIN_DECODER_SHA256 = "379ca41d59f3a37eed3599bbbc2560c19da5c458870a5ffd3a9dd41aa88f9472";
}
