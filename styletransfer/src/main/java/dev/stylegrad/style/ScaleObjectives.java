package dev.stylegrad.style;

import dev.stylegrad.models.ImageNet;
import dev.stylegrad.models.Vgg;
import dev.stylegrad.style.image.Resampler;
import dev.stylegrad.style.image.RgbImage;
import dev.stylegrad.style.optim.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What a scale of a run optimizes: its objective on the content and styles resized to its size, and where it starts. */
final class ScaleObjectives {
    private ScaleObjectives() {}

    /**
     * The loss at {@code content}'s size (the scale's working content): the styles resized to that size times the
     * style scale, untiled or in the tiles {@link TilePlanner} plans (it tells {@code notices} when it tiles), the tiles'
     * windows computed on {@code runner} (untiled scales fit this JVM: they stay here).
     */
    static Objective of(Vgg net, RgbImage content, List<RgbImage> styleImages, RunSettings settings, StepRunner runner, Consumer<String> notices) {
        int w = content.width(), h = content.height();
        int sw = Math.max(1, (int) Math.round(w * settings.styleScale())), sh = Math.max(1, (int) Math.round(h * settings.styleScale()));
        List<INDArray> styles = new ArrayList<>();
        for (RgbImage s : styleImages) styles.add(normalized(Resampler.resize(s, sw, sh)));
        double[] blend = settings.normalizedBlend(styleImages.size());
        TileGrid grid = TilePlanner.plan(settings.tile(), w, h, settings.lossLayers(), net.widths(), StepMemory.available(), notices);
        Objective objective = grid == null
                ? new StyleObjective(net, normalized(content), styles, blend, settings.contentLayers(), settings.styleLayers(),
                        settings.contentWeight(), settings.styleWeight(), settings.tvWeight())
                : new TiledStyleObjective(net, normalized(content), styles, blend, settings.contentLayers(), settings.styleLayers(),
                        settings.contentWeight(), settings.styleWeight(), settings.tvWeight(), grid, true,
                        new WindowProgressNotices(notices, System::nanoTime, StyleTransfer.WINDOW_PROGRESS_EVERY_NANOS), runner);
        if (grid != null && runner != StepRunner.HERE) notices.accept(w + "x" + h + ": " + grid.tiles().size() + " tiles per pass on " + runner.describe());
        // Reading weights and resizing images leave unscoped garbage behind: return it before the steps start.
        UnscopedMemory.collect();
        return objective;
    }

    /** The normalized image a run starts from: the content, uniform noise from {@code seed}, or a given image resized. */
    static INDArray startingImage(Init init, RgbImage content, long seed) {
        if (init instanceof Init.Image i) return normalized(Resampler.resize(i.image(), content.width(), content.height()));
        if (init instanceof Init.Random) {
            java.util.Random rng = new java.util.Random(seed);
            int[] px = new int[content.width() * content.height()];
            for (int k = 0; k < px.length; k++) px[k] = rng.nextInt(1 << 24);
            return normalized(new RgbImage(content.width(), content.height(), px));
        }
        return normalized(content);
    }

    private static INDArray normalized(RgbImage img) {
        return ImageNet.fromPixels(img.pixels(), img.width(), img.height());
    }
}
