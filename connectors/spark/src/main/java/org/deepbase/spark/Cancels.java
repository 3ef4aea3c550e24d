package org.deepbase.spark;

import java.util.function.BooleanSupplier;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Turns a JDBC Statement.cancel() or query timeout into cancelling the Spark job group, and checks
 * between stages so that no new stage starts after a cancel.
 */
final class Cancels {
  private Cancels() {}

  /** Fails with the cancellation's reason if the statement was cancelled or timed out. */
  static void check(BooleanSupplier cancelled) {
    if (cancelled.getAsBoolean()) {
      if (cancelled instanceof org.deepbase.engine.Cancellation c) {
        c.check("INSPECT on Spark");
      }
      throw new org.deepbase.engine.DeepBaseException(
          org.deepbase.engine.ErrorCode.BAD_ARGUMENT, "INSPECT on Spark cancelled");
    }
  }

  static Thread watch(JavaSparkContext context, String group, BooleanSupplier cancelled) {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  if (cancelled.getAsBoolean()) {
                    // keep cancelling: a job of the group may be submitted after the first call
                    context.cancelJobGroup(group);
                  }
                  Thread.sleep(100);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "deepbase-spark-cancel");
    watchdog.setDaemon(true);
    watchdog.start();
    return watchdog;
  }
}
