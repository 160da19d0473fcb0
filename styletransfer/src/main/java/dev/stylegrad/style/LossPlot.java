package dev.stylegrad.style;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The loss curves of a run (total, content, style and, if used, total variation against step, log scale) as a PNG. */
public final class LossPlot {
    private LossPlot() {}

    /** Writes the plot atomically. Non-positive values (a log axis cannot show them, e.g. step 0's content loss) are left out. */
    public static void write(List<Objective.Evaluation> losses, String title, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step").yAxisTitle("loss (weighted)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisTickMarkSpacingHint(120); // a readable number of step labels
        add(chart, "total", losses, Objective.Evaluation::total);
        add(chart, "content", losses, Objective.Evaluation::content);
        add(chart, "style", losses, Objective.Evaluation::style);
        if (losses.stream().anyMatch(e -> e.tv() > 0)) add(chart, "total variation", losses, Objective.Evaluation::tv);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void add(XYChart chart, String name, List<Objective.Evaluation> losses, ToDoubleFunction<Objective.Evaluation> value) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int k = 0; k < losses.size(); k++) {
            double v = value.applyAsDouble(losses.get(k));
            if (v > 0 && Double.isFinite(v)) {
                xs.add((double) k);
                ys.add(v);
            }
        }
        if (!xs.isEmpty()) chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
    }
}
