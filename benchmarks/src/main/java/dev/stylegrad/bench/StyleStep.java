package dev.stylegrad.bench;

import dev.stylegrad.style.StyleTransfer;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.MemoryScope;
import dev.stylegrad.models.ImageNet;
import dev.stylegrad.tensor.Precision;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One style step as {@code stylegrad run} takes it with its defaults (the course's algorithm): VGG19 forward through
 * relu5_1, content loss at relu4_2, Gram losses at relu1_1 … relu5_1, backward to the image, one Adam update (lr
 * 0.003); on a random full-width VGG19 ({@link RandomVgg19}) and random content and style images of {@code side}².
 */
public final class StyleStep {
    private final Objective objective;
    private final Adam adam = new Adam(0.003);
    private final INDArray image;
    private final int side;

    private StyleStep(int side, Objective objective, INDArray image) {
        this.side = side;
        this.objective = objective;
        this.image = image;
    }

    /** Builds the objective (content targets and style Grams, computed once) and the image the steps update. */
    public static StyleStep create(int side, long seed) throws IOException {
        return create(side, seed, Precision.FP32);
    }

    /** {@link #create(int, long)} with the convolutions and Grams in {@code precision}. */
    public static StyleStep create(int side, long seed, Precision precision) throws IOException {
        Vgg net = RandomVgg19.load(seed, "relu5_1");
        RgbImage content = randomImage(side, seed + 1), style = randomImage(side, seed + 2);
        Objective objective = StyleTransfer.builder().content(content).style(style).network(net).precision(precision).build().objective();
        INDArray x = MemoryScope.outside(() -> ImageNet.fromPixels(content.pixels(), side, side));
        return new StyleStep(side, objective, x);
    }

    /** One step: losses and gradient at the current image, then the Adam update of the image (in place). */
    public Objective.Evaluation step() {
        Objective.Evaluation e = adam.step(image, objective);
        if (!e.isFinite()) throw new IllegalStateException("style step diverged at " + side + "²: " + e);
        return e;
    }

    public int side() {
        return side;
    }

    /** Random 8-bit RGB noise (a fixed seed): the step's cost does not depend on the pictures. */
    static RgbImage randomImage(int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] px = new int[side * side];
        for (int i = 0; i < px.length; i++) px[i] = r.nextInt(1 << 24);
        return new RgbImage(side, side, px);
    }
}
