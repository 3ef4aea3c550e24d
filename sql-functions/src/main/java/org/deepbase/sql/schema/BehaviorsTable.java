package org.deepbase.sql.schema;

import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.workspace.Workspace;

/**
 * The virtual {@code behaviors} table: one row per (model, checkpoint, layer, unit, dataset,
 * record, symbol) with the unit's value there.
 *
 * <p>Never materialised: each scan consumes the model/checkpoint/layer/unit/dataset/record_id
 * predicates and extracts only that, one forward pass per batch for all requested layers.
 */
public final class BehaviorsTable extends VirtualTable {
  static final Columns COLUMNS =
      new Columns()
          .add("model", SqlTypeName.VARCHAR)
          .add("checkpoint", SqlTypeName.INTEGER)
          .add("layer", SqlTypeName.VARCHAR)
          .add("unit", SqlTypeName.INTEGER)
          .add("dataset", SqlTypeName.VARCHAR)
          .add("record_id", SqlTypeName.INTEGER)
          .add("symbol", SqlTypeName.INTEGER)
          .add("behavior", SqlTypeName.DOUBLE);

  public BehaviorsTable(Workspace workspace) {
    // records x symbols x units rows: far more than any other table.
    super(workspace, COLUMNS, 1e9);
  }

  /** {@inheritDoc} */
  @Override
  public Enumerable<@Nullable Object[]> scan(
      DataContext root, List<RexNode> filters, int @Nullable [] projects) {
    ScanFilters pushed =
        ScanFilters.consume(
            filters,
            COLUMNS.stringColumns(),
            COLUMNS.indexes("model", "checkpoint", "layer", "unit", "dataset", "record_id"),
            root);
    List<ExtractionStep> steps =
        BehaviorSelection.plan(
            workspace,
            pushed.column(COLUMNS.index("model")),
            pushed.column(COLUMNS.index("checkpoint")),
            pushed.column(COLUMNS.index("layer")),
            pushed.column(COLUMNS.index("unit")),
            pushed.column(COLUMNS.index("dataset")),
            pushed.column(COLUMNS.index("record_id")));
    int[] fields = fields(projects);
    if (org.deepbase.engine.exec.DryRun.active()) {
      return org.apache.calcite.linq4j.Linq4j.emptyEnumerable();
    }
    return new AbstractEnumerable<>() {
      @Override
      public Enumerator<@Nullable Object[]> enumerator() {
        return new BehaviorRows(workspace, steps, fields, StatementCancellation.of(root));
      }
    };
  }
}
