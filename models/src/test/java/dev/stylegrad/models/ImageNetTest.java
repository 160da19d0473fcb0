package dev.stylegrad.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ImageNetTest {
    @Test
    void normalizesPerChannelAndRoundTripsToTheSamePixels() {
        int w = 5, h = 3;
        int[] rgb = new int[w * h];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (i * 17 % 256) << 16 | (255 - i * 13 % 256) << 8 | (i * 29 % 256);
        INDArray x = ImageNet.fromPixels(rgb, w, h);
        assertThat(x.shape()).containsExactly(1, 3, h, w);
        // pixel (row 1, col 2): red = (7·17 % 256) / 255
        double red = (7 * 17 % 256) / 255.0;
        assertThat(x.getDouble(0, 0, 1, 2)).isCloseTo((red - 0.485) / 0.229, within(1e-5));
        assertThat(ImageNet.toPixels(x)).containsExactly(rgb);
        assertThat(ImageNet.denormalize(x).getDouble(0, 0, 1, 2)).isCloseTo(red, within(1e-6));
        assertThat(ImageNet.normalize(ImageNet.denormalize(x)).sub(x).amaxNumber().doubleValue()).isLessThan(1e-5);
    }

    @Test
    void toPixelsClampsOutOfRangeValues() {
        INDArray x = ImageNet.fromPixels(new int[] {0xFFFFFF, 0x000000}, 2, 1);
        x.getScalar(0, 0, 0, 0).assign(100);   // far above white
        x.getScalar(0, 1, 0, 1).assign(-100);  // far below black
        int[] px = ImageNet.toPixels(x);
        assertThat(px[0] >> 16 & 0xFF).isEqualTo(255);
        assertThat(px[1] >> 8 & 0xFF).isEqualTo(0);
    }
}
