package org.deepbase.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Tells long work that its statement was cancelled (a flag the caller sets, e.g. on {@code
 * Statement.cancel()}) or ran past its query timeout. The SQL layer builds one per statement from
 * its own cancel flag and timeout; the engine only polls it.
 */
public final class Cancellation implements BooleanSupplier {
  private final AtomicBoolean flag;
  private final long deadlineNanos;
  private final long timeoutMillis;

  private Cancellation(AtomicBoolean flag, long timeoutMillis) {
    this.flag = flag;
    this.timeoutMillis = timeoutMillis;
    this.deadlineNanos =
        timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : Long.MAX_VALUE;
  }

  /** Creates the check for a cancel flag and a timeout (0: none) counted from now. */
  public static Cancellation of(AtomicBoolean flag, long timeoutMillis) {
    return new Cancellation(flag, timeoutMillis);
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
      throw new DeepBaseException(
          ErrorCode.CANCELLED,
          what + " cancelled: query timeout of " + timeoutMillis + " ms reached");
    }
  }
}
