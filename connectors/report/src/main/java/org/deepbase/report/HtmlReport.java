package org.deepbase.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Writes one self-contained HTML file for saved inspections: per analysis its query, a chart
 * (inline SVG), the score table (sortable by clicking a header), and for the top units their
 * activation over the records where they fire most (inline PNG). Nothing is loaded from outside the
 * file: no scripts, fonts or images by URL.
 */
public final class HtmlReport {
  /**
   * One analysis to report: a title, the SQL, and what its numbers show in words (computed from the
   * result by the caller; empty for none).
   */
  public record Analysis(
      String title, String sql, java.util.function.Function<Results, String> conclusion) {
    /** An analysis reported without a conclusion. */
    public Analysis(String title, String sql) {
      this(title, sql, results -> "");
    }
  }

  private final Connection connection;
  private final String dataset;
  private final int top;

  public HtmlReport(Connection connection, String dataset, int top) {
    this.connection = connection;
    this.dataset = dataset;
    this.top = top;
  }

  /** Runs the analyses and writes the report. */
  public void write(Path file, List<Analysis> analyses) throws Exception {
    StringBuilder html = new StringBuilder();
    html.append(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>DeepBase inspection report</title>")
        .append("<style>")
        .append(CSS)
        .append("</style></head><body><h1>DeepBase inspection report</h1>");
    int index = 0;
    for (Analysis a : analyses) {
      Results results;
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery(a.sql())) {
        results = Results.read(rs);
      }
      html.append("<section><h2>")
          .append(escape(a.title()))
          .append("</h2><pre>")
          .append(escape(a.sql().trim()))
          .append("</pre>");
      String conclusion = a.conclusion().apply(results);
      if (!conclusion.isEmpty()) {
        html.append("<p class=\"conclusion\"><b>Answer.</b> ")
            .append(escape(conclusion))
            .append("</p>");
      }
      html.append("<div class=\"chart\">")
          .append(stripXmlHeader(Charts.svg(chart(a.title(), results))))
          .append("</div>");
      html.append(bestUnits(results));
      html.append(table(results, "t" + index++));
      html.append("</section>");
    }
    html.append("<script>").append(SORT_JS).append("</script></body></html>");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, html, StandardCharsets.UTF_8);
  }

  /** Picks the chart that fits the result's shape. */
  public static org.knowm.xchart.internal.chartpart.Chart<?, ?> chart(
      String title, Results results) {
    List<Charts.Point> points = results.points();
    long checkpoints = points.stream().mapToDouble(Charts.Point::x).distinct().count();
    long hypotheses = points.stream().map(Charts.Point::series).distinct().count();
    if (results.has("checkpoint") && checkpoints > 1) {
      return Charts.scoreByCheckpoint(title, points);
    }
    if (results.has("hypothesis") && hypotheses > 1) {
      return Charts.unitByHypothesis(title, points, 12);
    }
    return Charts.unitScores(title, points, 3);
  }

  /** A unit to draw: model, checkpoint, layer, unit. */
  private record TopUnit(String model, int checkpoint, String layer, int unit) {
    String key() {
      return layer + "." + unit;
    }
  }

  private String bestUnits(Results results) throws SQLException {
    if (!results.has("layer") || !results.has("unit") || !results.has("score")) {
      return "";
    }
    int model = results.columns().indexOf("model");
    int checkpoint = results.columns().indexOf("checkpoint");
    int score = results.columns().indexOf("score");
    int layer = results.columns().indexOf("layer");
    int unit = results.columns().indexOf("unit");
    List<Object[]> rows = new ArrayList<>(results.rows());
    rows.removeIf(r -> r[unit] == null || r[score] == null);
    rows.sort(Comparator.comparingDouble(r -> -((Number) r[score]).doubleValue()));
    List<TopUnit> units = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Object[] row : rows) {
      if (units.size() == top) {
        break;
      }
      String m = model >= 0 ? String.valueOf(row[model]) : "pacman";
      // Without a checkpoint column the result is about the latest checkpoint, as INSPECT's
      // 'model'.
      int c = checkpoint >= 0 ? ((Number) row[checkpoint]).intValue() : latest(m);
      TopUnit t = new TopUnit(m, c, String.valueOf(row[layer]), ((Number) row[unit]).intValue());
      if (seen.add(t.key())) {
        units.add(t);
      }
    }
    // One scan per (model, checkpoint, layer) finds where each of its top units fires most: one
    // forward pass over the dataset for all of them, not one per unit.
    java.util.Map<TopUnit, List<Integer>> peaks = new java.util.LinkedHashMap<>();
    java.util.Map<String, List<TopUnit>> byLayer = new java.util.LinkedHashMap<>();
    units.forEach(
        t ->
            byLayer
                .computeIfAbsent(
                    t.model() + "@" + t.checkpoint() + "/" + t.layer(), k -> new ArrayList<>())
                .add(t));
    for (List<TopUnit> group : byLayer.values()) {
      TopUnit first = group.get(0);
      String unitList =
          String.join(", ", group.stream().map(t -> String.valueOf(t.unit())).toList());
      String sql =
          String.format(
              Locale.ROOT,
              "SELECT unit, record_id, max(behavior) AS peak FROM behaviors "
                  + "WHERE model = '%s' AND checkpoint = %d AND layer = '%s' AND unit IN (%s) AND dataset = '%s' "
                  + "GROUP BY unit, record_id",
              first.model(),
              first.checkpoint(),
              first.layer(),
              unitList,
              dataset);
      java.util.Map<Integer, List<double[]>> byUnit = new java.util.HashMap<>();
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          byUnit
              .computeIfAbsent(rs.getInt(1), u -> new ArrayList<>())
              .add(new double[] {rs.getDouble(3), rs.getInt(2)});
        }
      }
      for (TopUnit t : group) {
        List<double[]> records = byUnit.getOrDefault(t.unit(), List.of());
        peaks.put(
            t,
            records.stream()
                .sorted(
                    Comparator.<double[]>comparingDouble(r -> -r[0]).thenComparingDouble(r -> r[1]))
                .limit(2)
                .map(r -> (int) r[1])
                .toList());
      }
    }
    StringBuilder out = new StringBuilder("<div class=\"units\">");
    for (TopUnit t : units) {
      for (int record : peaks.get(t)) {
        try (Statement s = connection.createStatement();
            ResultSet rs =
                s.executeQuery(
                    String.format(
                        Locale.ROOT,
                        "SELECT heatmap_overlay('%s@%d', '%s', %d, '%s', %d)",
                        t.model(),
                        t.checkpoint(),
                        t.layer(),
                        t.unit(),
                        dataset,
                        record))) {
          rs.next();
          out.append("<figure><img alt=\"")
              .append(escape(t.key()))
              .append(" on record ")
              .append(record)
              .append("\" src=\"data:image/png;base64,")
              .append(Base64.getEncoder().encodeToString(rs.getBytes(1)))
              .append("\"><figcaption>")
              .append(escape(t.key()))
              .append(" on record ")
              .append(record)
              .append(", where it fires most</figcaption></figure>");
        }
      }
    }
    return out.append("</div>").toString();
  }

  private int latest(String model) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT max(checkpoint) FROM models WHERE model = '"
                    + model.replace("'", "''")
                    + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String table(Results results, String id) {
    StringBuilder out =
        new StringBuilder("<table class=\"sortable\" id=\"").append(id).append("\"><thead><tr>");
    for (String c : results.columns()) {
      out.append("<th>").append(escape(c)).append("</th>");
    }
    out.append("</tr></thead><tbody>");
    for (Object[] row : results.rows()) {
      out.append("<tr>");
      for (Object v : row) {
        String text =
            v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v);
        out.append(v instanceof Number ? "<td class=\"n\">" : "<td>")
            .append(escape(text))
            .append("</td>");
      }
      out.append("</tr>");
    }
    return out.append("</tbody></table>").toString();
  }

  private static String stripXmlHeader(String svg) {
    int start = svg.indexOf("<svg");
    return start < 0 ? svg : svg.substring(start);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static final String CSS =
      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
          + "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:36px}"
          + "pre{background:#f5f5f5;padding:8px;overflow-x:auto;font-size:12px}"
          + ".chart svg{max-width:100%;height:auto;border:1px solid #eee}"
          + "table{border-collapse:collapse;font-size:12px;margin-top:12px}th,td{border:1px solid #ddd;padding:3px 8px}"
          + "th{background:#eef;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}"
          + ".units{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}figure{margin:0}"
          + "figure img{width:300px;border:1px solid #ddd}figcaption{font-size:12px;color:#555}";

  private static final String SORT_JS =
      "document.querySelectorAll('table.sortable th').forEach(function(th,i){"
          + "th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],"
          + "r=Array.from(b.rows),d=th.dataset.d==='a'?-1:1;th.dataset.d=d===1?'a':'d';"
          + "r.sort(function(x,y){var a=x.cells[i].innerText,c=y.cells[i].innerText,"
          + "p=parseFloat(a),q=parseFloat(c);return (isNaN(p)||isNaN(q)?a.localeCompare(c):p-q)*d;});"
          + "r.forEach(function(e){b.appendChild(e);});});});";
}
