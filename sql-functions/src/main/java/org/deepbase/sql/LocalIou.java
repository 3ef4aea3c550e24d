package org.deepbase.sql;

import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * SQL aggregate {@code local_iou(behavior, annotation)}: local IoU at the default quantile.
 *
 * <p>A per-record threshold needs to know which rows form a record, which these arguments do not
 * say; {@link LocalIouRecordRule} rewrites every call into {@link LocalIouByRecord}, adding the
 * record_id of the behaviors/annotations row. These methods exist for validation only.
 */
public final class LocalIou {
  /** Creates the (unused) state. */
  public RecordIouState init() {
    return new RecordIouState();
  }

  /** Fails: reached only when the planner rule is not installed. */
  public RecordIouState add(RecordIouState state, Double behavior, Double annotation) {
    throw notRewritten();
  }

  /** {@inheritDoc} */
  public RecordIouState merge(RecordIouState a, RecordIouState b) {
    return a.merge(b);
  }

  /** Returns the score. */
  public Double result(RecordIouState state) {
    return state.result();
  }

  static DeepBaseException notRewritten() {
    return new DeepBaseException(ErrorCode.BAD_ARGUMENT, "local_iou was not planned with record"
        + " boundaries; connect through jdbc:deepbase: or call local_iou_by_record(behavior,"
        + " annotation, quantile, record_id)");
  }
}
