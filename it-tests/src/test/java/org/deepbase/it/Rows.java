package org.deepbase.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads query results as lines (columns joined by '|') and errors as their whole message chain. */
final class Rows {
  private Rows() {}

  /** Runs a query; returns one line per row. */
  static List<String> of(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return of(rs);
    }
  }

  /** Reads a result set to its end; returns one line per row. */
  static List<String> of(ResultSet rs) throws SQLException {
    List<String> rows = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      StringBuilder line = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        line.append(i > 1 ? "|" : "").append(rs.getString(i));
      }
      rows.add(line.toString());
    }
    return rows;
  }

  /**
   * Returns the messages of an error and all its causes (remote errors wrap the server's message).
   */
  static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    return all.toString();
  }
}
