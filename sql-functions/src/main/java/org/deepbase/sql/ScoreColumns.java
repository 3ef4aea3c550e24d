package org.deepbase.sql;

import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/** The columns every scoring table function starts with: which unit, against what, how well. */
final class ScoreColumns {
  private ScoreColumns() {}

  /**
   * Returns a row-type builder holding model, checkpoint, layer, unit (nullable), hypothesis,
   * measure, score (nullable).
   */
  static RelDataTypeFactory.Builder builder(RelDataTypeFactory f) {
    return f.builder()
        .add("model", SqlTypeName.VARCHAR)
        .add("checkpoint", SqlTypeName.INTEGER)
        .add("layer", SqlTypeName.VARCHAR)
        .add("unit", SqlTypeName.INTEGER)
        .nullable(true)
        .add("hypothesis", SqlTypeName.VARCHAR)
        .add("measure", SqlTypeName.VARCHAR)
        // Nullable: INSPECT has no score for a pair it skipped, and a NOT NULL column would let the
        // planner fold "score IS NULL" away.
        .add("score", SqlTypeName.DOUBLE)
        .nullable(true);
  }
}
