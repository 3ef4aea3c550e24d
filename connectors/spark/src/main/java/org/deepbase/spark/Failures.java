package org.deepbase.spark;

import java.util.function.BooleanSupplier;
import org.deepbase.engine.Cancellation;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/** Turns a failed Spark job into the DeepBase error a SQL user reads. */
final class Failures {
  private Failures() {}

  static RuntimeException explain(Exception e, BooleanSupplier cancelled) {
    if (e instanceof DeepBaseException d && d.getMessage().contains("INSPECT on Spark cancelled")) {
      return d;
    }
    if (cancelled.getAsBoolean() && cancelled instanceof Cancellation c) {
      c.check("INSPECT on Spark");
    }
    // A task's DeepBaseException reaches the driver as the message of a SparkException chain.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DeepBaseException d) {
        return new DeepBaseException(
            d.code(),
            "Spark task failed: " + d.getMessage().substring(d.code().name().length() + 2),
            e);
      }
    }
    String message = String.valueOf(e.getMessage());
    for (ErrorCode code : ErrorCode.values()) {
      int at = message.indexOf(code.name() + ": ");
      if (at >= 0) {
        String line = message.substring(at).lines().findFirst().orElse(message);
        return new DeepBaseException(
            code, "Spark job failed: " + line.substring(code.name().length() + 2), e);
      }
    }
    return new DeepBaseException(
        ErrorCode.MODEL_FAILED,
        "Spark job failed: " + message.lines().findFirst().orElse(message),
        e);
  }
}
