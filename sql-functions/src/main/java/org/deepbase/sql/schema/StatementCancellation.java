package org.deepbase.sql.schema;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.DataContext;
import org.deepbase.engine.Cancellation;

/** Builds the engine's cancellation check from a Calcite statement's context. */
public final class StatementCancellation {
  private StatementCancellation() {}

  /**
   * Returns the check for the statement a DataContext belongs to: {@code Statement.cancel()} sets
   * Calcite's cancel flag; {@code Statement.setQueryTimeout} arrives as the TIMEOUT variable, which
   * Calcite does not enforce inside a table's scan, so the timeout counts from now.
   */
  public static Cancellation of(DataContext root) {
    AtomicBoolean flag = DataContext.Variable.CANCEL_FLAG.get(root);
    Object timeout = root.get(DataContext.Variable.TIMEOUT.camelName);
    return Cancellation.of(
        flag == null ? new AtomicBoolean() : flag, timeout instanceof Number n ? n.longValue() : 0);
  }
}
