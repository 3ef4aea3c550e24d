package org.deepbase.engine;

/** Classifies the errors DeepBase reports to SQL users; the code is part of every message. */
public enum ErrorCode {
  UNKNOWN_MODEL,
  UNKNOWN_CHECKPOINT,
  UNKNOWN_LAYER,
  UNIT_OUT_OF_RANGE,
  UNKNOWN_DATASET,
  UNKNOWN_HYPOTHESIS,
  SHAPE_MISMATCH,
  BAD_ARGUMENT,
  BAD_WORKSPACE,
  MODEL_LOAD_FAILED,
  MODEL_FAILED,
  /** The connection's role or ownership does not allow the statement. */
  PERMISSION_DENIED,
  /** The request would need more memory or file space than DeepBase allows a query. */
  RESOURCE_LIMIT
}
