package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tiling through the {@link StyleTransfer} API: {@code tile(N)} runs follow the untiled run step by step and say
 * what they do; the automatic choice tiles exactly when the estimated step does not fit the memory given.
 */
class TiledRunTest {
    static final List<Long> VGG19_WIDTHS = List.of(64L, 64L, 128L, 128L, 256L, 256L, 256L, 256L, 512L, 512L, 512L, 512L, 512L);
    static Vgg net;
    static dev.stylegrad.style.image.RgbImage content, style;

    @BeforeAll
    static void load() throws IOException {
        net = Vgg.load(CourseReference.MINI_WEIGHTS, "relu5_1", Vgg.Pooling.MAX);
        content = CourseReference.content();
        style = CourseReference.style();
    }

    static StyleTransfer.Builder base() {
        return StyleTransfer.builder().content(content).style(style).network(net)
                .size(160).steps(5).tvWeight(1e-3);
    }

    @Test
    void aTiledRunFollowsTheUntiledRunAndSaysHowItTiles() throws IOException {
        List<String> notices = new ArrayList<>();
        StyleTransfer.Result untiled = base().tile(0).notices(notices::add).build().run();
        assertThat(notices).isEmpty();
        StyleTransfer.Result tiled = base().tile(48).notices(notices::add).build().run();
        assertThat(notices).singleElement().asString().contains("160x").contains("tiles of 48 px").contains("a halo of 80 px");
        assertThat(tiled.losses()).hasSize(5);
        for (int k = 0; k < 5; k++) {
            Objective.Evaluation t = tiled.losses().get(k), u = untiled.losses().get(k);
            assertThat(Math.abs(t.total() - u.total()) / u.total()).as("step %d: %s vs %s", k, t, u).isLessThan(1e-5);
        }
        // Adam's update divides by sqrt(v): pixels whose gradient is float noise may move either way, so the images
        // agree to a fraction of one 8-bit level on average, not bit for bit.
        double meanDifference = 0;
        int[] a = tiled.image().pixels(), b = untiled.image().pixels();
        for (int i = 0; i < a.length; i++) for (int shift = 0; shift < 24; shift += 8) meanDifference += Math.abs((a[i] >> shift & 255) - (b[i] >> shift & 255));
        assertThat(meanDifference / (3.0 * a.length)).isLessThan(0.05);
    }

    @Test
    void aTileCoveringThePictureIsTheUntiledComputation() throws IOException {
        List<String> notices = new ArrayList<>();
        StyleTransfer.Result whole = base().steps(2).tile(4096).notices(notices::add).build().run();
        StyleTransfer.Result untiled = base().steps(2).tile(0).build().run();
        assertThat(notices).isEmpty();
        dev.stylegrad.tensor.ExactArrays.assertIdentical("one tile covering the picture", whole.normalized(), untiled.normalized());
    }

    @Test
    void automaticTilingTilesOnlyWhenTheStepWouldNotFit() {
        long gb = 1L << 30;
        assertThat(TilePlanner.automaticTile(512, 512, VGG19_WIDTHS, 80, 16, 24 * gb)).isZero();
        assertThat(TilePlanner.automaticTile(2048, 2048, VGG19_WIDTHS, 80, 16, 24 * gb)).isZero(); // measured 14.2 GB
        int side = TilePlanner.automaticTile(4096, 4096, VGG19_WIDTHS, 80, 16, 24 * gb);
        assertThat(side).isBetween(TilePlanner.MIN_AUTO_TILE, 4095);
        assertThat(side % 16).isZero();
        // it fits, and no side that fits computes fewer window pixels per step
        TileGrid chosen = TileGrid.of(4096, 4096, side, 80, 16);
        long window = (long) chosen.windowWidth() * chosen.windowHeight();
        assertThat(TilePlanner.fits(StepMemory.tiledStep(4096L * 4096, window, VGG19_WIDTHS), 24 * gb)).isTrue();
        for (int other = 128; other <= 4096; other += 16) {
            TileGrid g = TileGrid.of(4096, 4096, other, 80, 16);
            long w = (long) g.windowWidth() * g.windowHeight();
            if (TilePlanner.fits(StepMemory.tiledStep(4096L * 4096, w, VGG19_WIDTHS), 24 * gb)) {
                assertThat(w * g.tiles().size()).as("side %d", other).isGreaterThanOrEqualTo(window * chosen.tiles().size());
            }
        }
        assertThat(TilePlanner.automaticTile(4096, 4096, VGG19_WIDTHS, 80, 16, 8 * gb)).isLessThan(side);
        // a picture one smallest window covers is never tiled, whatever the memory
        assertThat(TilePlanner.automaticTile(200, 150, VGG19_WIDTHS, 80, 16, 1000)).isZero();
        assertThatThrownBy(() -> TilePlanner.automaticTile(16384, 16384, VGG19_WIDTHS, 80, 16, 8 * gb))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16384x16384").hasMessageContaining("even in 128-px tiles").hasMessageContaining("smaller --size");
    }

    @Test
    void tileSidesBelowSixteenAreRefused() {
        assertThatThrownBy(() -> base().tile(8).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16 pixels");
    }
}
