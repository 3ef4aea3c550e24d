package org.deepbase.sql;

import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * The SQL aggregates {@code <measure>(behavior, annotation)}, one subclass per measure.
 *
 * <p>These signatures exist for validation only: {@link MeasureRecordRule} plans every call as
 * {@code measure_by_record(...)}, which adds the record_id that per-record measures need and runs
 * the engine's accumulator.
 */
public abstract class MeasureFunction {
  /** Creates the (unused) state. */
  public MeasureRows init() {
    return new MeasureRows();
  }

  /** Fails: reached only when the planner rule is not installed. */
  public MeasureRows add(MeasureRows state, Double behavior, Double annotation) {
    throw notRewritten();
  }

  /** Merges two states. */
  public MeasureRows merge(MeasureRows a, MeasureRows b) {
    return a.merge(b);
  }

  /** Returns the score. */
  public Double result(MeasureRows state) {
    return state.result();
  }

  static DeepBaseException notRewritten() {
    return new DeepBaseException(
        ErrorCode.BAD_ARGUMENT,
        "affinity measures must be planned by DeepBase;"
            + " connect through jdbc:deepbase: or call measure_by_record(measure, quantile, behavior,"
            + " annotation, record_id)");
  }

  /** {@code iou(behavior, annotation)}. */
  public static final class Iou extends MeasureFunction {}

  /** {@code local_iou(behavior, annotation)}. */
  public static final class LocalIou extends MeasureFunction {}

  /** {@code corr(behavior, annotation)}. */
  public static final class Corr extends MeasureFunction {}

  /** {@code precision(behavior, annotation)}. */
  public static final class Precision extends MeasureFunction {}

  /** {@code recall(behavior, annotation)}. */
  public static final class Recall extends MeasureFunction {}

  /** {@code f1(behavior, annotation)}. */
  public static final class F1 extends MeasureFunction {}

  /** {@code mutual_info(behavior, annotation)}. */
  public static final class MutualInfo extends MeasureFunction {}

  /** {@code auc(behavior, annotation)}. */
  public static final class Auc extends MeasureFunction {}
}
