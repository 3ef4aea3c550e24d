package org.deepbase.engine;

import java.util.Objects;

/**
 * Reports bad user input or an unusable workspace.
 *
 * <p>Unchecked because it crosses Calcite's generated code, which surfaces it to JDBC as the cause
 * of an SQLException; the message names the offending object and starts with the code.
 */
public class DeepBaseException extends RuntimeException {
  private final ErrorCode code;

  public DeepBaseException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public DeepBaseException(ErrorCode code, String message, Throwable cause) {
    super(Objects.requireNonNull(code, "code is null") + ": " + message, cause);
    this.code = code;
  }

  /** Returns the error's classification. */
  public ErrorCode code() {
    return code;
  }
}
