package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.optim.Adam;
import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.ExactArrays;
import dev.stylegrad.models.Vgg;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link TiledStyleObjective} against the untiled {@link StyleObjective} on the mini VGG19 (all 16 convolutions, so
 * relu5_1's 70-px receptive-field margin is real): a 256×192 picture in 64-px tiles (12 tiles, windows of 224×192),
 * a 200×152 style picture tiled too, every default layer plus a second content layer, and total variation. It must
 * agree along 10 Adam steps, and it must not agree when the halo is too small or when pass 2 seeds every window
 * position instead of the owned ones, so the test would catch either mistake.
 */
class TiledStyleObjectiveTest {
    static final int W = 256, H = 192, TILE = 64;
    static Vgg net, double64;
    static INDArray content, style;
    static final Map<String, Double> CONTENT = Map.of("relu4_2", 1.0, "relu2_2", 0.5);

    @BeforeAll
    static void load() throws IOException {
        net = Vgg.load(CourseReference.MINI_WEIGHTS, "relu5_1", Vgg.Pooling.MAX);
        double64 = net.withDataType(DataType.DOUBLE);
        content = StyleObjectiveLossTest.image(1, H, W);
        style = StyleObjectiveLossTest.image(2, 152, 200);
    }

    static StyleObjective untiled(Vgg net) {
        return new StyleObjective(net, content.castTo(dtype(net)), List.of(style.castTo(dtype(net))), new double[] {1}, new java.util.LinkedHashMap<>(CONTENT),
                LayerWeights.DEFAULT_STYLE, 1, 1e6, 1e-2);
    }

    static DataType dtype(Vgg net) {
        return net == double64 ? DataType.DOUBLE : DataType.FLOAT;
    }

    static TiledStyleObjective tiled(Vgg net, int halo, boolean seedOwnedOnly) {
        return new TiledStyleObjective(net, content.castTo(dtype(net)), List.of(style.castTo(dtype(net))), new double[] {1}, new java.util.LinkedHashMap<>(CONTENT),
                LayerWeights.DEFAULT_STYLE, 1, 1e6, 1e-2, grid(halo), seedOwnedOnly, (phase, done, total) -> { },
                StepRunner.HERE);
    }

    /** The content's tiles of side TILE with this halo, on relu5_1's grid. */
    static TileGrid grid(int halo) {
        return TileGrid.of((int) content.size(3), (int) content.size(2), TILE, halo, 16);
    }

    /**
     * The worst differences of the losses (each part relative to the total loss) and of the gradients (max |difference|
     * relative to max |gradient|) at each of {@code steps} Adam steps, both evaluated at the same points (driven by
     * the tiled gradient).
     */
    record Comparison(double worstLoss, double worstGradient) {}

    static Comparison compareAlongAdam(Vgg net, TiledStyleObjective tiled, int steps, double lr) {
        StyleObjective reference = untiled(net);
        INDArray x = StyleObjectiveLossTest.image(3, H, W).muli(0.3).addi(content.mul(0.7)).castTo(dtype(net));
        INDArray gradTiled = x.ulike(), gradReference = x.ulike();
        Adam adam = new Adam(lr);
        double worstLoss = 0, worstGradient = 0;
        for (int k = 0; k < steps; k++) {
            Objective.Evaluation r = reference.evaluate(x, gradReference);
            Objective.Evaluation t = adam.step(x, (point, g) -> {
                Objective.Evaluation e = tiled.evaluate(point, g);
                gradTiled.assign(g);
                return e;
            });
            for (double[] pair : new double[][] {{t.total(), r.total()}, {t.content(), r.content()}, {t.style(), r.style()}, {t.tv(), r.tv()}}) {
                // relative to the total: a small part's own float32 sum (the untiled TV's, ~8e-6 off float64) is not the tiling's error
                worstLoss = Math.max(worstLoss, Math.abs(pair[0] - pair[1]) / Math.abs(r.total()));
            }
            worstGradient = Math.max(worstGradient, ExactArrays.maxAbsDifference(gradTiled, gradReference) / gradReference.amaxNumber().doubleValue());
        }
        return new Comparison(worstLoss, worstGradient);
    }

    @Test
    void tasksThatTravelAsBytesAndRunOnAReloadedNetworkGiveTheSameStepBitForBit() {
        for (Vgg n : List.of(net, double64)) {
            SerializingStepRunner remote = new SerializingStepRunner();
            TiledStyleObjective here = tiled(n, 80, true);
            TiledStyleObjective there = new TiledStyleObjective(n, content.castTo(dtype(n)), List.of(style.castTo(dtype(n))), new double[] {1},
                    new java.util.LinkedHashMap<>(CONTENT), LayerWeights.DEFAULT_STYLE, 1, 1e6, 1e-2, grid(80), true, (phase, done, total) -> { }, remote);
            INDArray x = StyleObjectiveLossTest.image(3, H, W).muli(0.3).addi(content.mul(0.7)).castTo(dtype(n));
            INDArray gHere = x.ulike(), gThere = x.ulike();
            Objective.Evaluation a = here.evaluate(x, gHere), b = there.evaluate(x, gThere);
            assertThat(new double[] {b.total(), b.content(), b.style(), b.tv()}).containsExactly(a.total(), a.content(), a.style(), a.tv());
            assertThat(ExactArrays.maxAbsDifference(gThere, gHere)).isZero();
            assertThat(gHere.amaxNumber().doubleValue()).isPositive();
            assertThat(remote.bytesShipped).as("the windows, targets and gradients went through bytes").isGreaterThan(12L * 224 * 192 * 3 * 4);
        }
    }

    @Test
    void theGridCoversThePictureOnceWithEqualWindowsOnTheLayerGrid() {
        TiledStyleObjective t = tiled(net, TilePlanner.halo(LayerWeights.DEFAULT_STYLE.keySet()), true);
        TileGrid grid = t.grid();
        assertThat(TilePlanner.halo(LayerWeights.DEFAULT_STYLE.keySet())).isEqualTo(80);
        assertThat(grid.tiles()).hasSize(12);
        assertThat(new int[] {grid.windowWidth(), grid.windowHeight()}).containsExactly(224, 192);
        int[][] owner = new int[H][W];
        for (TileGrid.Tile tile : grid.tiles()) {
            assertThat(tile.wx() % 16).isZero();
            assertThat(tile.wy() % 16).isZero();
            assertThat(tile.wx() + grid.windowWidth()).isLessThanOrEqualTo(W);
            // the window reaches the halo beyond the owned region, or the picture's border
            assertThat(tile.wx()).isLessThanOrEqualTo(Math.max(0, tile.x0() - 80));
            assertThat(tile.wx() + grid.windowWidth()).isGreaterThanOrEqualTo(Math.min(W, tile.x1() + 80));
            for (int y = tile.y0(); y < tile.y1(); y++) for (int x = tile.x0(); x < tile.x1(); x++) owner[y][x]++;
        }
        for (int[] row : owner) for (int n : row) assertThat(n).isEqualTo(1);
    }

    @Test
    void tiledEqualsUntiledAlongTenAdamStepsInFloat32() {
        Comparison c = compareAlongAdam(net, tiled(net, 80, true), 10, 0.003);
        assertThat(c.worstLoss()).isLessThan(1e-5);
        assertThat(c.worstGradient()).isLessThan(1e-4);
    }

    /**
     * In float64 the only differences left are the order of the sums: 1e-12 is a thousand times float64 rounding
     * here (measured: 2e-14 over 10 steps; 3 here, as float64 convolutions are slow).
     */
    @Test
    void tiledEqualsUntiledAlongAdamStepsInFloat64() {
        Comparison c = compareAlongAdam(double64, tiled(double64, 80, true), 3, 0.03);
        assertThat(c.worstLoss()).isLessThan(1e-12);
        assertThat(c.worstGradient()).isLessThan(1e-12);
    }

    @Test
    void aHaloSmallerThanTheReceptiveFieldIsCaught() {
        Comparison c = compareAlongAdam(double64, tiled(double64, 64, true), 1, 0.03);
        assertThat(c.worstLoss() > 1e-9 || c.worstGradient() > 1e-9).as("64-px halo (the margin is 70): %s", c).isTrue();
        c = compareAlongAdam(net, tiled(net, 48, true), 1, 0.003);
        assertThat(c.worstLoss() > 1e-5 || c.worstGradient() > 1e-4).as("48-px halo in float32: %s", c).isTrue();
    }

    @Test
    void seedingEveryWindowPositionIsCaught() {
        Comparison c = compareAlongAdam(net, tiled(net, 80, false), 1, 0.003);
        assertThat(c.worstGradient()).as("seeding the whole window: %s", c).isGreaterThan(1e-4);
    }

    @Test
    void everyPassReportsItsWindowsInOrder() {
        List<String> calls = new java.util.ArrayList<>();
        TiledStyleObjective t = new TiledStyleObjective(net, content, List.of(style), new double[] {1}, new java.util.LinkedHashMap<>(CONTENT),
                LayerWeights.DEFAULT_STYLE, 1, 1e6, 1e-2, grid(80), true, (phase, done, total) -> calls.add(phase + " " + done + "/" + total),
                StepRunner.HERE);
        int styleWindows = TileGrid.of(200, 152, TILE, 80, 16).tiles().size();
        List<String> expected = new java.util.ArrayList<>();
        for (int k = 0; k <= 12; k++) expected.add(TiledStyleObjective.CONTENT_TARGETS + " " + k + "/12");
        for (int k = 0; k <= styleWindows; k++) expected.add(TiledStyleObjective.STYLE_TARGETS + " " + k + "/" + styleWindows);
        assertThat(calls).containsExactlyElementsOf(expected);
        calls.clear();
        t.evaluate(content.dup(), content.ulike());
        expected.clear();
        for (int k = 0; k <= 12; k++) expected.add(TiledStyleObjective.PASS_1 + " " + k + "/12");
        for (int k = 0; k <= 12; k++) expected.add(TiledStyleObjective.PASS_2 + " " + k + "/12");
        assertThat(calls).containsExactlyElementsOf(expected);
    }
}
