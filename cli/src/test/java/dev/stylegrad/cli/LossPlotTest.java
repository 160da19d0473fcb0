package dev.stylegrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.optim.Objective;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LossPlot}: the scale boundaries of a multi-scale run are vertical lines at the right steps, and only those. */
public class LossPlotTest {
    @TempDir
    Path dir;

    /** 60 steps of falling losses that jump up where a new scale begins (steps 30 and 50). */
    static List<Objective.Evaluation> losses(int n) {
        List<Objective.Evaluation> l = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            double style = 1e8 * Math.pow(0.9, k % 30) * (k >= 30 ? 10 : 1), content = 1e-3 * (k + 1);
            l.add(new Objective.Evaluation(content, style, 0, content + style));
        }
        return l;
    }

    /** The x of each run of adjacent columns holding at least 100 pixels of the boundary lines' gray. */
    public static List<Integer> boundaryColumns(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        List<Integer> columns = new ArrayList<>();
        int previous = -10;
        for (int x = 0; x < img.getWidth(); x++) {
            int gray = 0;
            for (int y = 0; y < img.getHeight(); y++) if ((img.getRGB(x, y) & 0xFFFFFF) == 0x808080) gray++;
            if (gray >= 100) {
                if (x - previous > 1) columns.add(x);
                previous = x;
            }
        }
        return columns;
    }

    @Test
    void scaleBoundariesAreVerticalLinesAtTheFirstStepOfEachLaterScale() throws IOException {
        List<LossPlot.Scale> scales = List.of(new LossPlot.Scale(0, "24 px"), new LossPlot.Scale(30, "40 px"), new LossPlot.Scale(50, "56 px"));
        Path marked = dir.resolve("marked.png"), plain = dir.resolve("plain.png"), partial = dir.resolve("partial.png"), one = dir.resolve("one.png");
        LossPlot.write(losses(60), scales, "three scales", marked);
        LossPlot.write(losses(60), "one scale", plain);
        LossPlot.write(losses(40), scales, "stopped in scale 2", partial);
        LossPlot.write(losses(60), List.of(new LossPlot.Scale(0, "56 px")), "one scale, named", one);

        List<Integer> lines = boundaryColumns(marked);
        assertThat(lines).hasSize(2);
        assertThat(boundaryColumns(plain)).isEmpty();
        assertThat(boundaryColumns(one)).isEmpty();
        assertThat(boundaryColumns(partial)).hasSize(1); // the third scale was never reached
        // The lines sit at steps 29.5 and 49.5 of an axis from 0 to 59: their gaps in pixels are in that proportion.
        BufferedImage img = ImageIO.read(marked.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        double perStep = (lines.get(1) - lines.get(0)) / 20.0;
        assertThat(perStep).isBetween(8.0, 12.0); // ~600 px of plot for 59 steps
        assertThat(lines.get(0) - perStep * 29.5).as("where step 0 is").isBetween(60.0, 130.0);
    }

    @Test
    void stepTicksAreRoundNumbersForShortAndLongRuns() {
        assertThat(LossPlot.roundTick(6)).isEqualTo(1);
        assertThat(LossPlot.roundTick(59)).isEqualTo(10);
        assertThat(LossPlot.roundTick(499)).isEqualTo(100);
        assertThat(LossPlot.roundTick(1999)).isEqualTo(500);
        assertThat(LossPlot.roundTick(40_000)).isEqualTo(5000);
    }
}
