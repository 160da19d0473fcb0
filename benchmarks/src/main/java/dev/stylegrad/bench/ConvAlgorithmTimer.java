package dev.stylegrad.bench;

import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.Kernels;
import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times each 3×3 convolution of a network, forward (with ReLU) and input gradient, by oneDNN's direct and Winograd
 * algorithms alternately in one process, and measures each one's error against a float64 result:
 *
 * <pre>benchmarks/run.sh --main dev.stylegrad.bench.ConvAlgorithmTimer [vgg19:SIDE | adain:WxH | IN:OUT:H:W …] [--runs N]</pre>
 *
 * Prints one line per layer and kind: the medians of N runs (7 by default, after one warm-up each), Winograd's time
 * over direct's, and each algorithm's worst |difference| from float64 over the float64 result's largest |value|.
 */
public final class ConvAlgorithmTimer {
    private ConvAlgorithmTimer() {}

    record Layer(String name, int in, int out, int h, int w) {}

    public static void main(String[] args) {
        int runs = 7;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--runs")) runs = Integer.parseInt(args[++i]);
            else if (a.startsWith("vgg19:")) for (VggShapes.Conv c : VggShapes.convs(Integer.parseInt(a.substring(6))))
                layers.add(new Layer(c.name(), c.inC(), c.outC(), c.side(), c.side()));
            else if (a.startsWith("adain:")) layers.addAll(adain(a.substring(6)));
            else {
                int[] v = Arrays.stream(a.split(":")).mapToInt(Integer::parseInt).toArray();
                layers.add(new Layer(a, v[0], v[1], v[2], v[3]));
            }
        }
        if (layers.isEmpty()) layers.addAll(adain("1024x768"));
        BenchSupport.reportBackendOnce();
        System.out.printf(Locale.ROOT, "%-22s %-6s %10s %10s %7s %10s %10s%n", "layer", "kind", "direct ms", "wino ms", "ratio", "direct err", "wino err");
        for (Layer l : layers) {
            for (boolean grad : new boolean[] {false, true}) measure(l, grad, runs);
        }
    }

    /** AdaIN's encoder (to relu4_1) and decoder 3×3 convolutions for a W×H content picture. */
    static List<Layer> adain(String size) {
        String[] wh = size.split("x");
        int w = Integer.parseInt(wh[0]), h = Integer.parseInt(wh[1]);
        List<Layer> l = new ArrayList<>();
        int[][] enc = {{3, 64, 1}, {64, 64, 1}, {64, 128, 2}, {128, 128, 2}, {128, 256, 4}, {256, 256, 4}, {256, 256, 4}, {256, 256, 4}, {256, 512, 8}};
        int i = 0;
        for (int[] e : enc) l.add(new Layer("enc" + i++ + " " + e[0] + ">" + e[1], e[0], e[1], ceilDiv(h, e[2]), ceilDiv(w, e[2])));
        int[][] dec = {{512, 256, 8}, {256, 256, 4}, {256, 256, 4}, {256, 256, 4}, {256, 128, 4}, {128, 128, 2}, {128, 64, 2}, {64, 64, 1}, {64, 3, 1}};
        i = 0;
        for (int[] d : dec) l.add(new Layer("dec" + i++ + " " + d[0] + ">" + d[1], d[0], d[1], ceilDiv(h, d[2]), ceilDiv(w, d[2])));
        return l;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static void measure(Layer l, boolean grad, int runs) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, l.in, l.h, l.w);
        INDArray wt = Nd4j.randn(DataType.DOUBLE, l.out, l.in, 3, 3).muli(Math.sqrt(2.0 / (l.in * 9)));
        INDArray g = Nd4j.randn(DataType.DOUBLE, 1, l.out, l.h, l.w);
        Conv2dSpec spec = Conv2dSpec.SAME_3X3;
        long[] inShape = x.shape(), wShape = wt.shape();
        INDArray ref = grad ? Kernels.conv2dInputGradient(g, wt, inShape, spec) : Kernels.conv2dRelu(x, wt, null, spec);
        INDArray xf = x.castTo(DataType.FLOAT), wf = wt.castTo(DataType.FLOAT), gf = g.castTo(DataType.FLOAT);
        Kernels.freezeConvolutionWeight(wf);
        ConvAlgorithm[] algs = {ConvAlgorithm.DIRECT, ConvAlgorithm.WINOGRAD};
        double[][] times = new double[2][runs];
        double[] err = new double[2];
        boolean[] wino = new boolean[2];
        double scale = Math.max(ref.amaxNumber().doubleValue(), 1e-30);
        try (MemoryScope scope = MemoryScope.open("conv-algorithm-timer")) {
            for (int r = -1; r < runs; r++) {
                for (int a = 0; a < 2; a++) {
                    Backend.setConvAlgorithm(algs[a]);
                    long t0 = System.nanoTime();
                    INDArray y = grad ? Kernels.conv2dInputGradient(gf, wf, inShape, spec) : Kernels.conv2dRelu(xf, wf, null, spec);
                    long t = System.nanoTime() - t0;
                    if (r < 0) {
                        err[a] = y.castTo(DataType.DOUBLE).subi(ref).amaxNumber().doubleValue() / scale;
                        wino[a] = Kernels.conv2dRunsWinograd(inShape, wShape, spec, grad);
                    } else {
                        times[a][r] = t / 1e6;
                    }
                    MemoryScope.release(y);
                }
            }
        }
        double d = median(times[0]), w = median(times[1]);
        System.out.printf(Locale.ROOT, "%-22s %-6s %10.2f %10.2f %7.2f %10.2e %10.2e%s%n", l.name + " " + l.h + "x" + l.w,
                grad ? "grad" : "fwd", d, w, w / d, err[0], err[1], wino[1] ? "" : "  (no Winograd kernel: direct)");
        Backend.setConvAlgorithm(ConvAlgorithm.AUTO);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
