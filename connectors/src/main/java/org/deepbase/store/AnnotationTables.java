package org.deepbase.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.hypothesis.HypothesisSource;

/**
 * Hypotheses stored as data: every stored table with the columns of {@code annotations}
 * (hypothesis, dataset, record_id, symbol, annotation) contributes one hypothesis per distinct
 * {@code hypothesis} value, used exactly like a built-in one. Symbols a table leaves out are 0.
 */
final class AnnotationTables implements HypothesisSource {
  static final Set<String> COLUMNS = Set.of("hypothesis", "dataset", "record_id", "symbol", "annotation");

  private final CatalogStore store;

  AnnotationTables(CatalogStore store) {
    this.store = store;
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, Hypothesis> forDataset(DatasetDescriptor dataset) {
    Map<String, Hypothesis> found = new LinkedHashMap<>();
    for (String table : store.tables().keySet()) {
      try (Connection c = store.connection()) {
        if (!isAnnotationTable(c, table)) {
          continue;
        }
        try (PreparedStatement p = c.prepareStatement("SELECT DISTINCT \"hypothesis\" FROM "
            + CatalogStore.quoted(table) + " WHERE \"dataset\" = ?")) {
          p.setString(1, dataset.name());
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              String name = rs.getString(1);
              found.putIfAbsent(name, new TableHypothesis(store, table, name, dataset));
            }
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read annotation table " + table + ": " + e.getMessage(), e);
      }
    }
    return found;
  }

  private static boolean isAnnotationTable(Connection c, String table) throws SQLException {
    Set<String> columns = new HashSet<>();
    try (ResultSet rs = c.getMetaData().getColumns(null, CatalogStore.RESULTS, table, null)) {
      while (rs.next()) {
        columns.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
      }
    }
    return columns.containsAll(COLUMNS);
  }

  /** One hypothesis of an annotation table, read record by record. */
  private record TableHypothesis(CatalogStore store, String table, String name, DatasetDescriptor dataset)
      implements Hypothesis {
    @Override
    public String description() {
      return "annotations stored in table " + table;
    }

    @Override
    public String kind() {
      return "table";
    }

    @Override
    public float[] annotate(DatasetRecord record) {
      float[] values = new float[dataset.symbolCount()];
      try (Connection c = store.connection(); PreparedStatement p = c.prepareStatement("SELECT \"symbol\", "
          + "\"annotation\" FROM " + CatalogStore.quoted(table) + " WHERE \"hypothesis\" = ? AND \"dataset\" = ? "
          + "AND \"record_id\" = ?")) {
        p.setString(1, name);
        p.setString(2, dataset.name());
        p.setInt(3, record.recordId());
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            int symbol = rs.getInt(1);
            if (symbol < 0 || symbol >= values.length) {
              // Reported like a function returning the wrong shape: name, record, expected size.
              return new float[Math.max(symbol + 1, values.length + 1)];
            }
            values[symbol] = rs.getFloat(2);
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read annotations of '" + name + "' from table " + table + ": "
            + e.getMessage(), e);
      }
      return values;
    }
  }

  /** Returns the column names an annotation table needs (for messages and docs). */
  static List<String> columns() {
    return List.of("hypothesis", "dataset", "record_id", "symbol", "annotation");
  }
}
