package org.deepbase.sql;

/**
 * The SQL aggregates {@code <measure>(behavior, annotation, quantile)} of thresholded measures, one
 * subclass per measure; validation only, like {@link MeasureFunction}.
 */
public abstract class MeasureAtQuantileFunction {
  /** Creates the (unused) state. */
  public MeasureRows init() {
    return new MeasureRows();
  }

  /** Fails: reached only when the planner rule is not installed. */
  public MeasureRows add(MeasureRows state, Double behavior, Double annotation, Double quantile) {
    throw MeasureFunction.notRewritten();
  }

  /** Merges two states. */
  public MeasureRows merge(MeasureRows a, MeasureRows b) {
    return a.merge(b);
  }

  /** Returns the score. */
  public Double result(MeasureRows state) {
    return state.result();
  }

  /** {@code iou(behavior, annotation, quantile)}. */
  public static final class Iou extends MeasureAtQuantileFunction {}

  /** {@code local_iou(behavior, annotation, quantile)}. */
  public static final class LocalIou extends MeasureAtQuantileFunction {}

  /** {@code precision(behavior, annotation, quantile)}. */
  public static final class Precision extends MeasureAtQuantileFunction {}

  /** {@code recall(behavior, annotation, quantile)}. */
  public static final class Recall extends MeasureAtQuantileFunction {}

  /** {@code f1(behavior, annotation, quantile)}. */
  public static final class F1 extends MeasureAtQuantileFunction {}

  /** {@code mutual_info(behavior, annotation, quantile)}. */
  public static final class MutualInfo extends MeasureAtQuantileFunction {}
}
