package org.deepbase.sql;

/**
 * SQL aggregate {@code local_iou_by_record(behavior, annotation, quantile, record_id)}: the
 * explicit form every {@code local_iou} call is planned as.
 */
public final class LocalIouByRecord {
  /** Creates an empty state. */
  public RecordIouState init() {
    return new RecordIouState();
  }

  /** Adds one (record, symbol) row. */
  public RecordIouState add(RecordIouState state, Double behavior, Double annotation, Double quantile,
      Integer recordId) {
    state.add(behavior, annotation, quantile, recordId);
    return state;
  }

  /** Merges two states. */
  public RecordIouState merge(RecordIouState a, RecordIouState b) {
    return a.merge(b);
  }

  /** Returns the score. */
  public Double result(RecordIouState state) {
    return state.result();
  }
}
