package dev.stylegrad.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The shapes a style step works on: VGG19's 16 convolutions (3×3, stride 1, pad 1) and the feature maps of the five
 * style layers, for a square input of a given side (batch 1).
 */
public final class VggShapes {
    private VggShapes() {}

    /** One convolution: {@code inC → outC} on a {@code side × side} input (the output has the same side). */
    public record Conv(String name, int inC, int outC, int side) {
        /** Multiply-adds × 2 of the forward pass (the input gradient costs the same). */
        public double flops() {
            return 2.0 * outC * inC * 9 * (double) side * side;
        }

        @Override
        public String toString() {
            return name + " " + inC + "->" + outC + " @" + side + "x" + side;
        }
    }

    /** A feature map seen as F [c, m] (m = h·w), the operand of a Gram matrix. */
    public record Feature(String name, int c, int m) {
        /** 2·c²·m: the flops of the full product F·Fᵀ (a symmetric kernel does about half, for the same result). */
        public double gramFlops() {
            return 2.0 * c * c * (double) m;
        }

        /** "C×M", the form {@link GramBenchmark}'s parameter takes. */
        public String param() {
            return c + "x" + m;
        }
    }

    private static final String[] CONV_NAMES = {"conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
        "conv3_4", "conv4_1", "conv4_2", "conv4_3", "conv4_4", "conv5_1", "conv5_2", "conv5_3", "conv5_4"};
    private static final int[] OUT = {64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512};
    private static final int[] BLOCK = {1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5};

    /** All 16 convolutions of VGG19 for a {@code side × side} input. */
    public static List<Conv> convs(int side) {
        List<Conv> out = new ArrayList<>();
        for (int i = 0; i < CONV_NAMES.length; i++) {
            int in = i == 0 ? 3 : OUT[i - 1];
            out.add(new Conv(CONV_NAMES[i], in, OUT[i], side >> (BLOCK[i] - 1)));
        }
        return out;
    }

    /** The convolution named {@code name} (conv1_1 … conv5_4) for a {@code side × side} input. */
    public static Conv conv(String name, int side) {
        for (Conv c : convs(side)) if (c.name().equals(name)) return c;
        throw new IllegalArgumentException("unknown VGG19 convolution '" + name + "'; expected conv1_1 … conv5_4");
    }

    /** The five style layers relu1_1 … relu5_1 (the course's) as Gram operands for a {@code side × side} input. */
    public static List<Feature> styleFeatures(int side) {
        List<Feature> out = new ArrayList<>();
        int[] widths = {64, 128, 256, 512, 512};
        for (int b = 0; b < 5; b++) {
            int s = side >> b;
            out.add(new Feature("relu" + (b + 1) + "_1", widths[b], s * s));
        }
        return out;
    }

    /**
     * Model flops of one style step through relu5_1 (13 convolutions forward and their input gradients, the five
     * Gram matrices forward and backward); elementwise work, pooling and Adam are not counted.
     */
    public static double stepFlops(int side) {
        double f = 0;
        for (Conv c : convs(side).subList(0, 13)) f += 2 * c.flops();
        for (Feature g : styleFeatures(side)) f += 2 * g.gramFlops();
        return f;
    }

    /** Parses "C×M" or "CxM" into {c, m}. */
    public static int[] parseShape(String s) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).replace('×', 'x').split("x");
        if (p.length != 2) throw new IllegalArgumentException("shape must be CxM, e.g. 64x65536, got '" + s + "'");
        return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }
}
