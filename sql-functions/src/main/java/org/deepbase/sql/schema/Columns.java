package org.deepbase.sql.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/** Declares a table's columns once, for its row type and for its scan's filter handling. */
public final class Columns {
  private final List<String> names = new ArrayList<>();
  private final List<SqlTypeName> types = new ArrayList<>();

  /** Adds a column. */
  public Columns add(String name, SqlTypeName type) {
    names.add(name);
    types.add(type);
    return this;
  }

  /** Returns the index of a column. */
  public int index(String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no column " + name);
    }
    return i;
  }

  /** Returns the indexes of the VARCHAR columns. */
  public Set<Integer> stringColumns() {
    return IntStream.range(0, names.size())
        .filter(i -> types.get(i) == SqlTypeName.VARCHAR)
        .boxed()
        .collect(Collectors.toSet());
  }

  /** Returns the indexes of the named columns. */
  public Set<Integer> indexes(String... columns) {
    return java.util.Arrays.stream(columns).map(this::index).collect(Collectors.toSet());
  }

  public int size() {
    return names.size();
  }

  /** Builds the Calcite row type; key columns are NOT NULL, everything here is. */
  public RelDataType rowType(RelDataTypeFactory factory) {
    RelDataTypeFactory.Builder builder = factory.builder();
    for (int i = 0; i < names.size(); i++) {
      builder.add(names.get(i), types.get(i)).nullable(false);
    }
    return builder.build();
  }
}
