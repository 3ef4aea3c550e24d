package org.deepbase.sql.schema;

import java.util.List;
import java.util.function.Supplier;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;

/**
 * A small catalog table (models, layers, ...) whose rows are computed from the workspace at each
 * scan, so they always reflect the directory.
 */
public final class CatalogTable extends AbstractTable implements ScannableTable {
  private final Columns columns;
  private final Supplier<List<Object[]>> rows;

  public CatalogTable(Columns columns, Supplier<List<Object[]>> rows) {
    this.columns = columns;
    this.rows = rows;
  }

  /** {@inheritDoc} */
  @Override
  public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return columns.rowType(typeFactory);
  }

  /** {@inheritDoc} */
  @Override
  public org.apache.calcite.schema.Schema.TableType getJdbcTableType() {
    // Catalog tables describe the workspace, as a database's information schema does.
    return org.apache.calcite.schema.Schema.TableType.SYSTEM_TABLE;
  }

  /** {@inheritDoc} */
  @Override
  public Enumerable<Object[]> scan(DataContext root) {
    return Linq4j.asEnumerable(rows.get());
  }
}
