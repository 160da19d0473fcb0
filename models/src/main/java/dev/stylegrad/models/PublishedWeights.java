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
}
