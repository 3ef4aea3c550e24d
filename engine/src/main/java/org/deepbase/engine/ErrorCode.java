package org.deepbase.engine;

/**
 * Classifies the errors DeepBase reports to SQL users; the code is part of every message, and each
 * has the SQLState (SQL standard classes) that JDBC clients receive.
 */
public enum ErrorCode {
  UNKNOWN_MODEL("42704"),
  UNKNOWN_CHECKPOINT("42704"),
  UNKNOWN_LAYER("42704"),
  UNIT_OUT_OF_RANGE("22003"),
  UNKNOWN_DATASET("42704"),
  UNKNOWN_HYPOTHESIS("42704"),
  SHAPE_MISMATCH("22000"),
  BAD_ARGUMENT("22023"),
  /** A file a user named does not hold what its format says (a damaged or mislabelled file). */
  BAD_DATA("22000"),
  BAD_WORKSPACE("58030"),
  MODEL_LOAD_FAILED("58000"),
  MODEL_FAILED("58000"),
  /** The connection's role or ownership does not allow the statement. */
  PERMISSION_DENIED("42501"),
  /** The request would need more memory or file space than DeepBase allows a query. */
  RESOURCE_LIMIT("53000"),
  /** The statement was cancelled, closed while running, or ran past its query timeout. */
  CANCELLED("57014");

  private final String sqlState;

  ErrorCode(String sqlState) {
    this.sqlState = sqlState;
  }

  /**
   * Returns the SQLState: 42704 undefined object, 22003 value out of range, 22000 data exception,
   * 22023 invalid parameter value, 58030 I/O error, 58000 system error, 42501 insufficient
   * privilege, 53000 insufficient resources, 57014 query cancelled.
   */
  public String sqlState() {
    return sqlState;
  }
}
