package dev.stylegrad.style;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The loss curves of a run (total, content, style and, if used, total variation against step, log scale) as a PNG;
 * for a multi-scale run with a vertical line where each scale begins and each scale's label above its part.
 */
public final class LossPlot {
    private LossPlot() {}

    /** Where a scale begins (its first step) and what to call it, e.g. {@code new Scale(300, "1024 px")}. */
    public record Scale(int firstStep, String label) {}

    /** Writes the plot atomically. Non-positive values (a log axis cannot show them, e.g. step 0's content loss) are left out. */
    public static void write(List<Objective.Evaluation> losses, String title, Path file) throws IOException {
        write(losses, List.of(), title, file);
    }

    /**
     * As {@link #write(List, String, Path)}, marking the scales that {@code losses} reach: a vertical line at the
     * first step of each scale after the first, and each scale's label at the top, centered over its steps. With
     * fewer than two scales there is nothing to mark.
     */
    public static void write(List<Objective.Evaluation> losses, List<Scale> scales, String title, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step").yAxisTitle("loss (weighted)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisTickMarkSpacingHint(120); // a readable number of step labels
        double top = add(chart, "total", losses, Objective.Evaluation::total);
        top = Math.max(top, add(chart, "content", losses, Objective.Evaluation::content));
        top = Math.max(top, add(chart, "style", losses, Objective.Evaluation::style));
        if (losses.stream().anyMatch(e -> e.tv() > 0)) top = Math.max(top, add(chart, "total variation", losses, Objective.Evaluation::tv));
        List<Scale> reached = scales.stream().filter(s -> s.firstStep() < losses.size()).toList();
        if (reached.size() > 1 && top > 0) {
            // Room above the curves for the labels: a log axis up to 10x the largest value, labels at 3x.
            chart.getStyler().setYAxisMax(top * 10);
            chart.getStyler().setAnnotationLineColor(java.awt.Color.GRAY);
            chart.getStyler().setAnnotationLineStroke(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                    10f, new float[] {6f, 4f}, 0f));
            chart.getStyler().setAnnotationTextFontColor(java.awt.Color.DARK_GRAY);
            for (int k = 0; k < reached.size(); k++) {
                Scale s = reached.get(k);
                // A line between the last step of the scale before and this scale's first.
                if (k > 0) chart.addAnnotation(new AnnotationLine(s.firstStep() - 0.5, true, false));
                double end = k + 1 < reached.size() ? reached.get(k + 1).firstStep() - 0.5 : losses.size() - 1;
                double start = k == 0 ? 0 : s.firstStep() - 0.5;
                chart.addAnnotation(new AnnotationText(s.label(), (start + end) / 2, top * 3, false));
            }
        }
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    /** Adds the positive finite values as a series; returns the largest (0 if none). */
    private static double add(XYChart chart, String name, List<Objective.Evaluation> losses, ToDoubleFunction<Objective.Evaluation> value) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        double max = 0;
        for (int k = 0; k < losses.size(); k++) {
            double v = value.applyAsDouble(losses.get(k));
            if (v > 0 && Double.isFinite(v)) {
                xs.add((double) k);
                ys.add(v);
                max = Math.max(max, v);
            }
        }
        if (!xs.isEmpty()) chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
        return max;
    }
}
