package org.deepbase.sql;

/**
 * SQL aggregate {@code measure_by_record(measure, quantile, behavior, annotation, record_id)}: the
 * explicit form every affinity-measure call is planned as. {@code quantile} -1 means the measure's
 * default; {@code record_id} may be -1 for measures without per-record thresholds (rows with a NULL
 * argument are skipped, as by every SQL aggregate).
 */
public final class MeasureByRecord {
  /** Creates an empty state. */
  public MeasureRows init() {
    return new MeasureRows();
  }

  /** Adds one (record, symbol) row. */
  public MeasureRows add(
      MeasureRows state,
      String measure,
      Double quantile,
      Double behavior,
      Double annotation,
      Integer recordId) {
    state.add(measure, quantile, behavior, annotation, recordId);
    return state;
  }

  /** Merges two states. */
  public MeasureRows merge(MeasureRows a, MeasureRows b) {
    return a.merge(b);
  }

  /** Returns the score. */
  public Double result(MeasureRows state) {
    return state.result();
  }
}
