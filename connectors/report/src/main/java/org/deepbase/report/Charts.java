package org.deepbase.report;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * Turns inspection results into charts with XChart: scores per unit by layer (bars), a score across
 * checkpoints (lines), and a unit x hypothesis heat table. Each renders to PNG or SVG.
 */
public final class Charts {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 420;

  private Charts() {}

  /** One score: a unit (layer + number), what it was scored against, the value. */
  public record Point(String layer, int unit, String series, double x, double score) {}

  /**
   * Bars of score per unit, one series per layer, the best {@code labelled} units named in the
   * title.
   */
  public static CategoryChart unitScores(String title, List<Point> points, int labelled) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("unit (layer.unit)")
            .yAxisTitle("score")
            .build();
    style(chart.getStyler());
    chart.getStyler().setXAxisLabelRotation(90);
    chart.getStyler().setOverlapped(true);
    chart.getStyler().setAvailableSpaceFill(0.9);
    List<String> all = points.stream().map(p -> p.layer() + "." + p.unit()).toList();
    Map<String, List<Double>> byLayer = new LinkedHashMap<>();
    for (Point p : points) {
      byLayer
          .computeIfAbsent(
              p.layer(), l -> new ArrayList<>(java.util.Collections.nCopies(all.size(), 0.0)))
          .set(all.indexOf(p.layer() + "." + p.unit()), p.score());
    }
    byLayer.forEach((layer, scores) -> chart.addSeries(layer, all, scores));
    List<Point> best =
        points.stream()
            .sorted(Comparator.comparingDouble(Point::score).reversed())
            .limit(labelled)
            .toList();
    StringBuilder names = new StringBuilder(title).append("  (best: ");
    for (int i = 0; i < best.size(); i++) {
      names
          .append(i > 0 ? ", " : "")
          .append(best.get(i).layer())
          .append('.')
          .append(best.get(i).unit())
          .append(String.format(Locale.ROOT, " %.3f", best.get(i).score()));
    }
    chart.setTitle(names.append(')').toString());
    // Long unit axes stay readable: label every k-th unit only.
    chart.getStyler().setXAxisTickMarkSpacingHint(Math.max(20, all.size() / 2));
    return chart;
  }

  /** Lines of score against checkpoint, one series per unit (or hypothesis). */
  public static XYChart scoreByCheckpoint(String title, List<Point> points) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("checkpoint (epoch)")
            .yAxisTitle("score")
            .build();
    style(chart.getStyler());
    Map<String, List<Point>> series = new LinkedHashMap<>();
    for (Point p : points) {
      series.computeIfAbsent(p.series(), s -> new ArrayList<>()).add(p);
    }
    series.forEach(
        (name, ps) -> {
          List<Point> sorted = ps.stream().sorted(Comparator.comparingDouble(Point::x)).toList();
          chart.addSeries(
              name,
              sorted.stream().mapToDouble(Point::x).toArray(),
              sorted.stream().mapToDouble(Point::score).toArray());
        });
    return chart;
  }

  /** A unit x hypothesis table of scores (units with the best score across hypotheses first). */
  public static HeatMapChart unitByHypothesis(String title, List<Point> points, int units) {
    List<String> hypotheses = points.stream().map(Point::series).distinct().toList();
    Map<String, Double> bestOf = new LinkedHashMap<>();
    for (Point p : points) {
      bestOf.merge(p.layer() + "." + p.unit(), p.score(), Math::max);
    }
    List<String> rows =
        bestOf.entrySet().stream()
            .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
            .limit(units)
            .map(Map.Entry::getKey)
            .toList();
    List<Number[]> cells = new ArrayList<>();
    for (Point p : points) {
      int row = rows.indexOf(p.layer() + "." + p.unit());
      if (row >= 0) {
        cells.add(new Number[] {hypotheses.indexOf(p.series()), row, p.score()});
      }
    }
    HeatMapChart chart =
        new HeatMapChartBuilder()
            .width(WIDTH)
            .height(Math.max(HEIGHT, 120 + 22 * rows.size()))
            .title(title)
            .xAxisTitle("hypothesis")
            .yAxisTitle("unit")
            .build();
    style(chart.getStyler());
    chart.getStyler().setShowValue(true);
    chart.getStyler().setHeatMapValueDecimalPattern("0.000");
    chart
        .getStyler()
        .setValueFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
    chart.getStyler().setDecimalPattern("0.000");
    chart
        .getStyler()
        .setRangeColors(
            new Color[] {new Color(250, 250, 250), new Color(255, 170, 0), new Color(170, 0, 0)});
    chart.addSeries("score", hypotheses, rows, cells);
    return chart;
  }

  private static void style(Styler styler) {
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    if (!(styler instanceof org.knowm.xchart.style.HeatMapStyler)) {
      styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    }
    styler.setChartTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 14));
  }

  /** Encodes a chart as PNG. */
  public static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Encodes a chart as SVG text. XChart draws text as outlines, so the chart's title, axis titles
   * and series are also given as SVG {@code <title>} and {@code <desc>} (read by screen readers and
   * by tests).
   */
  public static String svg(Chart<?, ?> chart) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      VectorGraphicsEncoder.saveVectorGraphic(
          chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
      String svg = out.toString(java.nio.charset.StandardCharsets.UTF_8);
      String series = String.join(", ", chart.getSeriesMap().keySet());
      String meta =
          "<title>"
              + escape(chart.getTitle())
              + "</title><desc>x axis: "
              + escape(chart.getXAxisTitle())
              + "; y axis: "
              + escape(chart.getYAxisTitle())
              + "; series: "
              + escape(series)
              + "</desc>";
      int open = svg.indexOf('>', svg.indexOf("<svg"));
      return svg.substring(0, open + 1) + meta + svg.substring(open + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
