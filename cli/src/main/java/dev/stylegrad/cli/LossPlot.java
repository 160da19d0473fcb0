package dev.stylegrad.cli;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.io.AtomicFiles;
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
        // A light solid grid at the labelled ticks only (the log axis' dotted minor lines made a dense mesh).
        chart.getStyler().setPlotGridLinesColor(new java.awt.Color(225, 225, 225));
        chart.getStyler().setPlotGridLinesStroke(new java.awt.BasicStroke(1f));
        int lastStep = Math.max(1, losses.size() - 1);
        double tick = roundTick(lastStep);
        double xMax = Math.ceil(lastStep / tick) * tick;
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(xMax);
        // About one labelled tick per `tick` steps across the ~700-px plot, and only whole steps labelled.
        chart.getStyler().setXAxisTickMarkSpacingHint((int) Math.max(40, 700 * tick / xMax));
        chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> v == Math.rint(v) ? String.valueOf(Math.round(v)) : "");
        // Steps 0, 1, 2, ... are equally spaced, and for such data XChart puts a tick on every k-th point (0, 23,
        // 46, ...). An invisible point at a fraction of a step beyond the range makes it compute round ticks instead.
        var anchor = chart.addSeries(" ", new double[] {0, xMax + 0.5}, new double[] {Double.NaN, Double.NaN});
        anchor.setMarker(SeriesMarkers.NONE);
        anchor.setShowInLegend(false);
        anchor.setLineColor(new java.awt.Color(0, 0, 0, 0));
        // Total first and wide, so a term that is nearly all of it (style, with the default weights) stays visible on top.
        double styleShare = medianShare(losses);
        String totalName = styleShare > 0.9 ? "total (≈ style)" : "total";
        double top = add(chart, totalName, losses, Objective.Evaluation::total);
        var total = chart.getSeriesMap().get(totalName);
        if (total != null) {
            total.setLineWidth(5f);
            total.setLineColor(new java.awt.Color(120, 150, 230));
        }
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

    /** A round step between labelled ticks for steps 0..last: 1, 2 or 5 times a power of ten, about 6 to 12 ticks. */
    static double roundTick(int last) {
        double raw = last / 8.0, p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    /** The median over steps of style / total, 0 when no step has a positive total. */
    private static double medianShare(List<Objective.Evaluation> losses) {
        double[] shares = losses.stream().filter(e -> e.total() > 0 && Double.isFinite(e.total()) && Double.isFinite(e.style()))
                .mapToDouble(e -> e.style() / e.total()).sorted().toArray();
        return shares.length == 0 ? 0 : shares[shares.length / 2];
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
