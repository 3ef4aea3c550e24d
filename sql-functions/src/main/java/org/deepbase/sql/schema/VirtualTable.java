package org.deepbase.sql.schema;

import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ProjectableFilterableTable;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.schema.impl.AbstractTable;
import org.deepbase.engine.workspace.Workspace;

/**
 * A table computed at scan time from the workspace (behaviors, annotations): declares its columns
 * and a row-count estimate for the planner; subclasses implement the scan.
 */
public abstract class VirtualTable extends AbstractTable implements ProjectableFilterableTable {
  protected final Workspace workspace;
  private final Columns columns;
  private final double rowCountEstimate;

  VirtualTable(Workspace workspace, Columns columns, double rowCountEstimate) {
    this.workspace = workspace;
    this.columns = columns;
    this.rowCountEstimate = rowCountEstimate;
  }

  /** {@inheritDoc} */
  @Override
  public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return columns.rowType(typeFactory);
  }

  /** {@inheritDoc} */
  @Override
  public Statistic getStatistic() {
    return Statistics.of(rowCountEstimate, List.of());
  }

  /** Returns the workspace the table reads. */
  public Workspace workspace() {
    return workspace;
  }

  /** Returns the projected column indexes, all columns when Calcite passes none. */
  int[] fields(int[] projects) {
    return projects == null
        ? java.util.stream.IntStream.range(0, columns.size()).toArray()
        : projects;
  }
}
