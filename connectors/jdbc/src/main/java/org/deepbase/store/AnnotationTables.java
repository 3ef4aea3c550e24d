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
  static final Set<String> COLUMNS =
      Set.of("hypothesis", "dataset", "record_id", "symbol", "annotation");

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
        try (PreparedStatement p =
            c.prepareStatement(
                "SELECT DISTINCT \"hypothesis\" FROM "
                    + H2Names.resultTable(table)
                    + " WHERE \"dataset\" = ?")) {
          p.setString(1, dataset.name());
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              String name = rs.getString(1);
              found.putIfAbsent(name, new TableHypothesis(store, table, name, dataset));
            }
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot read annotation table " + table + ": " + e.getMessage(), e);
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

  /**
   * One hypothesis of an annotation table. Scans ask record after record in id order, so it reads a
   * block of {@link #BLOCK} records per query rather than one query per record; memory is one
   * block.
   */
  private static final class TableHypothesis implements Hypothesis {
    private static final int BLOCK = 256;

    private final CatalogStore store;
    private final String table;
    private final String name;
    private final DatasetDescriptor dataset;
    private int blockStart = -1;
    private float[][] block = new float[0][];

    TableHypothesis(CatalogStore store, String table, String name, DatasetDescriptor dataset) {
      this.store = store;
      this.table = table;
      this.name = name;
      this.dataset = dataset;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return "annotations stored in table " + table;
    }

    @Override
    public String kind() {
      return "table";
    }

    /** {@inheritDoc} False: the annotations are rows of their table. */
    @Override
    public boolean readsInputs() {
      return false;
    }

    @Override
    public synchronized float[] annotate(DatasetRecord record) {
      int id = record.recordId();
      if (blockStart < 0 || id < blockStart || id >= blockStart + BLOCK) {
        load(id);
      }
      return block[id - blockStart].clone();
    }

    private void load(int first) {
      int symbols = dataset.symbolCount();
      float[][] values = new float[BLOCK][symbols];
      try (Connection c = store.connection();
          PreparedStatement p =
              c.prepareStatement(
                  "SELECT \"record_id\", "
                      + "\"symbol\", \"annotation\" FROM "
                      + H2Names.resultTable(table)
                      + " WHERE \"hypothesis\" = ? AND "
                      + "\"dataset\" = ? AND \"record_id\" >= ? AND \"record_id\" < ?")) {
        p.setString(1, name);
        p.setString(2, dataset.name());
        p.setInt(3, first);
        p.setInt(4, first + BLOCK);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            int record = rs.getInt(1) - first;
            int symbol = rs.getInt(2);
            if (symbol < 0 || symbol >= symbols) {
              // Reported like a function returning the wrong shape: name, record, expected size.
              values[record] = new float[Math.max(symbol + 1, symbols + 1)];
              continue;
            }
            if (values[record].length == symbols) {
              values[record][symbol] = rs.getFloat(3);
            }
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot read annotations of '" + name + "' from table " + table + ": " + e.getMessage(),
            e);
      }
      block = values;
      blockStart = first;
    }
  }

  /** Returns the column names an annotation table needs (for messages and docs). */
  static List<String> columns() {
    return List.of("hypothesis", "dataset", "record_id", "symbol", "annotation");
  }
}
