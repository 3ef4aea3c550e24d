package org.deepbase.engine.exec;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.calcite.DataContext;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Tells long work that its statement was cancelled ({@code Statement.cancel()} sets Calcite's
 * cancel flag) or ran past its query timeout ({@code Statement.setQueryTimeout}, which Calcite
 * hands over as the TIMEOUT variable but does not enforce inside a table's scan).
 */
public final class Cancellation implements BooleanSupplier {
  private final AtomicBoolean flag;
  private final long deadlineNanos;
  private final long timeoutMillis;

  private Cancellation(AtomicBoolean flag, long timeoutMillis) {
    this.flag = flag;
    this.timeoutMillis = timeoutMillis;
    this.deadlineNanos = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : Long.MAX_VALUE;
  }

  /** Creates the check for the statement a DataContext belongs to; the timeout counts from now. */
  public static Cancellation of(DataContext root) {
    AtomicBoolean flag = DataContext.Variable.CANCEL_FLAG.get(root);
    Object timeout = root.get(DataContext.Variable.TIMEOUT.camelName);
    return new Cancellation(flag == null ? new AtomicBoolean() : flag,
        timeout instanceof Number n ? n.longValue() : 0);
  }

  /** Returns whether the work should stop. */
  @Override
  public boolean getAsBoolean() {
    return flag.get() || System.nanoTime() > deadlineNanos;
  }

  /** Fails with a message saying why, if the work should stop. */
  public void check(String what) {
    if (flag.get()) {
      throw new DeepBaseException(ErrorCode.CANCELLED, what + " cancelled");
    }
    if (System.nanoTime() > deadlineNanos) {
      throw new DeepBaseException(ErrorCode.CANCELLED, what + " cancelled: query timeout of "
          + timeoutMillis + " ms reached");
    }
  }
}
