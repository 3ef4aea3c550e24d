package org.deepbase.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.List;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeImpl;
import org.apache.calcite.rel.type.RelDataTypeSystem;
import org.apache.calcite.schema.FunctionParameter;
import org.apache.calcite.schema.TableMacro;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.ViewTable;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * A saved view as a table macro. Calcite's own view macro analyses the SQL with the standard parser
 * whatever the connection uses, so views calling {@code corr(...)} or INSPECT's {@code measures =>}
 * argument would not expand; this one takes the row type from the connection's own preparation
 * (DeepBase's parser) and lets {@link ViewTable} expand the SQL through the connection's planner.
 */
final class SavedView implements TableMacro {
  private final String name;
  private final String sql;
  private final Connection connection;

  SavedView(String name, String sql, Connection connection) {
    this.name = name;
    this.sql = sql;
    this.connection = connection;
  }

  /** {@inheritDoc} */
  @Override
  public List<FunctionParameter> getParameters() {
    return List.of();
  }

  /** {@inheritDoc} */
  @Override
  public TranslatableTable apply(List<? extends @Nullable Object> arguments) {
    RelDataType rowType;
    try (PreparedStatement p = connection.prepareStatement(sql)) {
      ResultSetMetaData meta = p.getMetaData();
      RelDataTypeFactory factory = new JavaTypeFactoryImpl(RelDataTypeSystem.DEFAULT);
      RelDataTypeFactory.Builder builder = factory.builder();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        builder
            .add(meta.getColumnLabel(i), StoredTable.typeOf(meta.getColumnType(i)))
            .nullable(true);
      }
      rowType = builder.build();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "saved view '" + name + "' no longer plans: " + e.getMessage(), e);
    }
    return new ViewTable(
        Object[].class,
        RelDataTypeImpl.proto(rowType),
        sql,
        List.of(DeepBaseSchema.NAME),
        List.of(DeepBaseSchema.NAME, name));
  }
}
