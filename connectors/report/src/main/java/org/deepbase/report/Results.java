package org.deepbase.report;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A query's result held for charting and tabulating: column names and rows as strings and values.
 */
public record Results(List<String> columns, List<Object[]> rows) {
  /** Reads a whole result set. */
  public static Results read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
    }
    List<Object[]> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] row = new Object[columns.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = rs.getObject(i + 1);
      }
      rows.add(row);
    }
    return new Results(columns, rows);
  }

  /** Returns whether a column exists. */
  public boolean has(String column) {
    return columns.contains(column);
  }

  /** Returns the chartable points: needs score, and layer + unit or checkpoint. */
  public List<Charts.Point> points() {
    int score = columns.indexOf("score");
    if (score < 0) {
      throw new IllegalArgumentException("charts need a 'score' column; the result has " + columns);
    }
    int layer = columns.indexOf("layer");
    int unit = columns.indexOf("unit");
    int hypothesis = columns.indexOf("hypothesis");
    int checkpoint = columns.indexOf("checkpoint");
    List<Charts.Point> points = new ArrayList<>();
    for (Object[] row : rows) {
      if (row[score] == null || unit >= 0 && row[unit] == null) {
        continue; // layer-level rows (probes) have no unit
      }
      String l = layer >= 0 ? String.valueOf(row[layer]) : "";
      int u = unit >= 0 ? ((Number) row[unit]).intValue() : 0;
      String series =
          hypothesis >= 0 ? String.valueOf(row[hypothesis]) : layer >= 0 ? l + "." + u : "score";
      double x = checkpoint >= 0 ? ((Number) row[checkpoint]).doubleValue() : 0;
      points.add(new Charts.Point(l, u, series, x, ((Number) row[score]).doubleValue()));
    }
    return points;
  }
}
