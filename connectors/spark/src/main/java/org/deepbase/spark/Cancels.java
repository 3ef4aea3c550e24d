package org.deepbase.spark;

import java.util.function.BooleanSupplier;
import org.apache.spark.api.java.JavaSparkContext;

/** Turns a JDBC Statement.cancel() or query timeout into cancelling the Spark job group. */
final class Cancels {
  private Cancels() {
  }

  static Thread watch(JavaSparkContext context, String group, BooleanSupplier cancelled) {
    Thread watchdog = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          if (cancelled.getAsBoolean()) {
            context.cancelJobGroup(group);
            return;
          }
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "deepbase-spark-cancel");
    watchdog.setDaemon(true);
    watchdog.start();
    return watchdog;
  }
}
