package org.deepbase.sql;

/**
 * SQL aggregate {@code local_iou(behavior, annotation, quantile)}: local IoU with the per-record
 * threshold at the given quantile. Rewritten like {@link LocalIou}.
 */
public final class LocalIouAtQuantile {
  /** Creates the (unused) state. */
  public RecordIouState init() {
    return new RecordIouState();
  }

  /** Fails: reached only when the planner rule is not installed. */
  public RecordIouState add(RecordIouState state, Double behavior, Double annotation, Double quantile) {
    throw LocalIou.notRewritten();
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
