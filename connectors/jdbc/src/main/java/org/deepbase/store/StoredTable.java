package org.deepbase.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;

/** A result table stored in the catalog database, read with plain JDBC at each scan. */
final class StoredTable extends AbstractTable implements ScannableTable {
  private final CatalogStore store;
  private final String name;

  StoredTable(CatalogStore store, String name) {
    this.store = store;
    this.name = name;
  }

  /** {@inheritDoc} */
  @Override
  public RelDataType getRowType(RelDataTypeFactory factory) {
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT * FROM " + H2Names.resultTable(name) + " WHERE 1 = 0")) {
      ResultSetMetaData meta = rs.getMetaData();
      RelDataTypeFactory.Builder builder = factory.builder();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        builder
            .add(
                meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT),
                typeOf(meta.getColumnType(i)))
            .nullable(true);
      }
      return builder.build();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read stored table " + name + ": " + e.getMessage(), e);
    }
  }

  static SqlTypeName typeOf(int jdbcType) {
    return switch (jdbcType) {
      case Types.INTEGER, Types.SMALLINT, Types.TINYINT -> SqlTypeName.INTEGER;
      case Types.BIGINT -> SqlTypeName.BIGINT;
      case Types.DOUBLE, Types.FLOAT, Types.REAL, Types.DECIMAL, Types.NUMERIC ->
          SqlTypeName.DOUBLE;
      case Types.BOOLEAN, Types.BIT -> SqlTypeName.BOOLEAN;
      default -> SqlTypeName.VARCHAR;
    };
  }

  /** {@inheritDoc} */
  @Override
  public Enumerable<@Nullable Object[]> scan(DataContext root) {
    List<@Nullable Object[]> rows = new ArrayList<>();
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + H2Names.resultTable(name))) {
      ResultSetMetaData meta = rs.getMetaData();
      int n = meta.getColumnCount();
      while (rs.next()) {
        Object[] row = new Object[n];
        for (int i = 0; i < n; i++) {
          row[i] =
              switch (typeOf(meta.getColumnType(i + 1))) {
                case INTEGER -> (Integer) rs.getObject(i + 1, Integer.class);
                case BIGINT -> (Long) rs.getObject(i + 1, Long.class);
                case DOUBLE -> (Double) rs.getObject(i + 1, Double.class);
                case BOOLEAN -> (Boolean) rs.getObject(i + 1, Boolean.class);
                default -> rs.getString(i + 1);
              };
        }
        rows.add(row);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read stored table " + name + ": " + e.getMessage(), e);
    }
    return Linq4j.asEnumerable(rows);
  }
}
