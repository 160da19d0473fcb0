package dev.stylegrad.style.adain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.io.Npy;
import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.tensor.ConvAlgorithms;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.TilePolicy;
import dev.stylegrad.tensor.ConvAlgorithm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link AdaInStylizer} against pytorch-AdaIN's {@code test.py} functions run in PyTorch on the same networks and
 * pictures ({@code models/src/test/fixtures/adain/make_adain.py}): the stylized picture, alpha, style interpolation and
 * colour preservation; and its tiles against its untiled pass.
 */
class AdaInStylizerTest {
    static final Path DIR = ModelFixtures.ADAIN;
    static AdaInEncoder encoder;
    static AdaInDecoder decoder;
    static INDArray content, style0, style1;

    @BeforeAll
    static void load() throws IOException {
        encoder = AdaInEncoder.load(DIR.resolve("vgg_legacy.pth"));
        decoder = AdaInDecoder.load(DIR.resolve("decoder_zip.pth"));
        content = Npy.read(DIR.resolve("content.npy"));
        style0 = Npy.read(DIR.resolve("style_0.npy"));
        style1 = Npy.read(DIR.resolve("style_1.npy"));
    }

    static double relativeError(INDArray got, INDArray want) {
        assertThat(got.shape()).isEqualTo(want.shape());
        return Transforms.abs(got.castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE)), false).maxNumber().doubleValue()
                / Transforms.abs(want.castTo(DataType.DOUBLE), true).maxNumber().doubleValue();
    }

    /** The reference's output cut to the content's size (it is up to 7 px larger: ceil-mode pooling). */
    static INDArray reference(String name) throws IOException {
        INDArray r = Npy.read(DIR.resolve(name + ".npy"));
        return r.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, content.size(2)), NDArrayIndex.interval(0, content.size(3)));
    }

    private static void near(String what, INDArray got, INDArray want) {
        double err = relativeError(got, want);
        System.out.printf("AdaIN %s: relative error vs PyTorch %.2e%n", what, err);
        assertThat(err).as(what).isLessThan(1e-4);
    }

    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"DIRECT", "WINOGRAD"})
    void stylizedPictureMatchesPytorch(ConvAlgorithm algorithm) throws Throwable {
        ConvAlgorithms.with(algorithm, () -> stylizedPictureMatchesPytorch(algorithm.cliName()));
    }

    private void stylizedPictureMatchesPytorch(String algorithm) throws IOException {
        AdaInStylizer s = AdaInStylizer.builder(encoder, decoder).build();
        near("decoded (" + algorithm + ")", s.decodeUnclamped(content, List.of(style0), null), reference("decoded"));
        INDArray clamped = s.stylize(content, List.of(style0), null);
        INDArray want = Transforms.min(Transforms.max(reference("decoded"), 0), 1);
        near("clamped", clamped, want);
        assertThat(clamped.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(clamped.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
    }

    @Test
    void alphaMixesTheContentFeaturesBackAsTheReferenceDoes() throws IOException {
        AdaInStylizer s = AdaInStylizer.builder(encoder, decoder).alpha(0.6).build();
        near("alpha 0.6", s.decodeUnclamped(content, List.of(style0), null), reference("alpha"));
    }

    @Test
    void styleInterpolationIsTheReferencesWeightedSum() throws IOException {
        AdaInStylizer s = AdaInStylizer.builder(encoder, decoder).build();
        INDArray b0 = Npy.read(DIR.resolve("blend_style_0.npy")), b1 = Npy.read(DIR.resolve("blend_style_1.npy"));
        near("blend 1,3", s.decodeUnclamped(content, List.of(b0, b1), new double[] {1, 3}), reference("blend"));
        // the weights are normalized by their sum, as --style_interpolation_weights
        near("blend 2,6", s.decodeUnclamped(content, List.of(b0, b1), new double[] {2, 6}), reference("blend"));
    }

    @Test
    void colourPreservationIsTheReferencesCoral() throws IOException {
        near("coral", Coral.transfer(style0, content), Npy.read(DIR.resolve("coral_style.npy")));
        AdaInStylizer s = AdaInStylizer.builder(encoder, decoder).preserveColors(true).build();
        near("preserved colours", s.decodeUnclamped(content, List.of(style0), null), reference("preserved"));
    }

    /**
     * A flat colour (every pixel the same) has no spread: the reference's coral divides by its zero std and returns NaN.
     * Here a flat style takes the content's mean colour, a flat content gives its own colour, and the picture decodes
     * to finite values.
     */
    @Test
    void flatPicturesKeepColourPreservationFinite() {
        INDArray flat = Nd4j.createFromArray(0.3f, 0.6f, 0.9f).reshape(1, 3, 1, 1).repeat(2, 40).repeat(3, 50).dup('c');
        INDArray fromFlatStyle = Coral.transfer(flat, content);
        INDArray means = content.mean(2, 3).reshape(1, 3, 1, 1);
        for (int c = 0; c < 3; c++) {
            double m = means.getDouble(0, c, 0, 0);
            INDArray plane = fromFlatStyle.get(NDArrayIndex.point(0), NDArrayIndex.point(c));
            assertThat(plane.minNumber().doubleValue()).as("channel " + c + " of a flat style").isCloseTo(m, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(plane.maxNumber().doubleValue()).as("channel " + c + " of a flat style").isCloseTo(m, org.assertj.core.data.Offset.offset(1e-6));
        }
        INDArray fromFlatContent = Coral.transfer(style0, flat.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 9), NDArrayIndex.interval(0, 9)));
        assertThat(relativeError(fromFlatContent, flat.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, 1))
                .repeat(2, style0.size(2)).repeat(3, style0.size(3)))).as("a flat content's colour").isLessThan(1e-6);
        INDArray out = AdaInStylizer.builder(encoder, decoder).preserveColors(true).build().stylize(content, List.of(flat), null);
        assertThat(out.isNaN().any() || out.isInfinite().any()).as("NaN or infinity in the picture").isFalse();
    }

    @Test
    void matrixSquareRootSquaresBack() {
        double[][] a = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}};
        double[][] r = Coral.sqrt(a), rr = Coral.multiply(r, r), id = Coral.multiply(a, Coral.inverse(a));
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertThat(rr[i][j]).isCloseTo(a[i][j], org.assertj.core.data.Offset.offset(1e-12));
                assertThat(id[i][j]).isCloseTo(i == j ? 1 : 0, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    /**
     * Tiles of 16 px over a 100×83 picture (7 × 6 tiles, odd sides, windows cut by the picture's edges) give the
     * untiled result to float rounding; windows 8 px short of the reach derived from the layers do not. Under
     * Winograd too, whose rounding differs between a window and the whole picture (its 4×4 tiles start at each
     * window's origin).
     */
    @ParameterizedTest
    @EnumSource(value = ConvAlgorithm.class, names = {"DIRECT", "WINOGRAD"})
    void tilesEqualTheUntiledPassAndFailWithASmallerReach(ConvAlgorithm algorithm) throws Throwable {
        ConvAlgorithms.with(algorithm, this::tilesAgainstUntiled);
    }

    private void tilesAgainstUntiled() {
        Nd4j.getRandom().setSeed(28);
        INDArray picture = Nd4j.rand(DataType.FLOAT, 1, 3, 100, 83);
        AdaInStylizer whole = AdaInStylizer.builder(encoder, decoder).tiles(TilePolicy.parse("off")).build();
        AdaInStylizer tiled = AdaInStylizer.builder(encoder, decoder).tiles(TilePolicy.parse("16")).build();
        assertThat(tiled.tileCount(100, 83)).isEqualTo(42);
        INDArray want = whole.decodeUnclamped(picture, List.of(style0, style1), new double[] {1, 1});
        double err = relativeError(tiled.decodeUnclamped(picture, List.of(style0, style1), new double[] {1, 1}), want);
        System.out.printf("AdaIN tiles of 16 px vs untiled (%s): relative error %.2e%n", dev.stylegrad.tensor.KernelConfig.convAlgorithm().cliName(), err);
        assertThat(err).isLessThan(1e-5);
        AdaInStylizer short8 = AdaInStylizer.builder(encoder, decoder).tiles(TilePolicy.parse("16")).trimForTest(8).build();
        double broken = relativeError(short8.decodeUnclamped(picture, List.of(style0, style1), new double[] {1, 1}), want);
        System.out.printf("AdaIN tiles with windows 8 short: relative error %.2e%n", broken);
        assertThat(broken).isGreaterThan(1e-3);
    }

    /** {@code --tile auto} tiles only when the untiled pass would not fit in half the memory available. */
    @Test
    void autoTilesOnlyWhatWouldNotFit() {
        AdaInStylizer auto = AdaInStylizer.builder(encoder, decoder).build();
        String key = dev.stylegrad.style.MemoryCheck.AVAILABLE_PROPERTY;
        try {
            System.setProperty(key, "" + 2 * auto.untiledBytes(768, 1024));
            assertThat(auto.tileCount(768, 1024)).isEqualTo(1);
            System.setProperty(key, "" + auto.untiledBytes(768, 1024));
            assertThat(auto.tileCount(768, 1024)).isGreaterThan(1);
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void badSettingsAreRefusedInOneSentence() {
        assertThatThrownBy(() -> AdaInStylizer.builder(encoder, decoder).alpha(1.5)).isInstanceOf(SettingsException.class)
                .hasMessage("alpha must be between 0 and 1, got 1.5");
        AdaInStylizer s = AdaInStylizer.builder(encoder, decoder).build();
        assertThatThrownBy(() -> s.stylize(content, List.of(style0, style1), null)).isInstanceOf(SettingsException.class)
                .hasMessage("2 styles need 2 blend weights");
        assertThatThrownBy(() -> s.stylize(content, List.of(style0), new double[] {-1})).isInstanceOf(SettingsException.class)
                .hasMessageContaining("not negative");
        INDArray tiny = Nd4j.rand(DataType.FLOAT, 1, 3, 8, 20);
        assertThatThrownBy(() -> s.stylize(tiny, List.of(style0), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("content is 20x8: AdaIN needs at least 9 pixels");
    }
}
