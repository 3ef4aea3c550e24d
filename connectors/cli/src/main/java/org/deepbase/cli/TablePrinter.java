package org.deepbase.cli;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Prints a result set as an aligned text table or as CSV. */
public final class TablePrinter {
  private TablePrinter() {}

  /** Prints up to {@code limit} rows; returns the rows printed, as strings. */
  public static List<String[]> print(ResultSet rs, PrintStream out, String format, int limit)
      throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[n];
    for (int i = 0; i < n; i++) {
      header[i] = meta.getColumnLabel(i + 1);
    }
    int count = 0;
    while (rs.next()) {
      count++;
      if (rows.size() < limit) {
        String[] row = new String[n];
        for (int i = 0; i < n; i++) {
          Object v = rs.getObject(i + 1);
          row[i] =
              v instanceof Double d
                  ? String.format(java.util.Locale.ROOT, "%.4f", d)
                  : String.valueOf(v);
        }
        rows.add(row);
      }
    }
    if ("json".equals(format)) {
      out.println("[");
      for (int r = 0; r < rows.size(); r++) {
        StringBuilder line = new StringBuilder("  {");
        for (int i = 0; i < n; i++) {
          line.append(i > 0 ? ", " : "")
              .append(json(header[i]))
              .append(": ")
              .append(jsonValue(rows.get(r)[i]));
        }
        out.println(line.append(r + 1 < rows.size() ? "}," : "}"));
      }
      out.println("]");
      return rows;
    }
    if ("csv".equals(format)) {
      out.println(String.join(",", header));
      rows.forEach(r -> out.println(String.join(",", r)));
      return rows;
    }
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      width[i] = header[i].length();
      for (String[] r : rows) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder line = new StringBuilder("+");
    for (int w : width) {
      line.append("-".repeat(w + 2)).append('+');
    }
    out.println(line);
    out.println(format(header, width));
    out.println(line);
    rows.forEach(r -> out.println(format(r, width)));
    out.println(line);
    out.printf(
        "%d row(s)%s%n", count, count > rows.size() ? ", first " + rows.size() + " shown" : "");
    return rows;
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String jsonValue(String s) {
    if (s.equals("null")
        || s.equals("true")
        || s.equals("false")
        || s.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
      return s;
    }
    return json(s);
  }

  private static String format(String[] row, int[] width) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < row.length; i++) {
      b.append(' ').append(String.format("%-" + width[i] + "s", row[i])).append(" |");
    }
    return b.toString();
  }
}
