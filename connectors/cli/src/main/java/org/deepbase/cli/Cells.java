package org.deepbase.cli;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads a result's values as the types a file format can keep apart: numbers as {@link Long},
 * {@link Double} or {@link BigDecimal} (never rounded), strings, booleans, bytes, lists (SQL
 * arrays, nested), and null; dates and times as their ISO text.
 */
final class Cells {
  private Cells() {}

  /** Returns column {@code i} (1-based) of the current row. */
  static @Nullable Object get(ResultSet rs, ResultSetMetaData meta, int i) throws SQLException {
    Object value =
        switch (meta.getColumnType(i)) {
          case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> rs.getLong(i);
          case Types.REAL, Types.FLOAT, Types.DOUBLE -> rs.getDouble(i);
          case Types.DECIMAL, Types.NUMERIC -> rs.getBigDecimal(i);
          case Types.BOOLEAN, Types.BIT -> rs.getBoolean(i);
          case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> rs.getBytes(i);
          case Types.ARRAY -> list(rs.getArray(i));
          default -> rs.getString(i);
        };
    return rs.wasNull() ? null : value;
  }

  private static @Nullable List<@Nullable Object> list(@Nullable Array array) throws SQLException {
    if (array == null) {
      return null;
    }
    Object elements = array.getArray(); // Object[], or int[], double[], ... for primitives
    List<@Nullable Object> list = new ArrayList<>();
    for (int i = 0; i < java.lang.reflect.Array.getLength(elements); i++) {
      Object element = java.lang.reflect.Array.get(elements, i);
      list.add(element instanceof Array nested ? list(nested) : element);
    }
    return list;
  }
}
