package org.deepbase.sql;

import org.deepbase.engine.measure.CorrelationAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQL aggregate {@code corr(behavior, annotation)}: Pearson correlation over all rows of the
 * group; 0 (with a logged warning) when either side is constant.
 */
public final class Corr {
  private static final Logger LOG = LoggerFactory.getLogger(Corr.class);

  /** Creates an empty state. */
  public CorrelationAccumulator init() {
    return new CorrelationAccumulator();
  }

  /** Adds one row; rows with a null side are skipped. */
  public CorrelationAccumulator add(CorrelationAccumulator state, Double behavior, Double annotation) {
    if (behavior != null && annotation != null) {
      state.add(behavior, annotation);
    }
    return state;
  }

  /** Merges two states. */
  public CorrelationAccumulator merge(CorrelationAccumulator a, CorrelationAccumulator b) {
    return a.merge(b);
  }

  /** Returns the correlation. */
  public Double result(CorrelationAccumulator state) {
    if (state.constantInput()) {
      LOG.warn("corr: constant input over {} rows, correlation undefined; reporting 0", state.count());
    }
    return state.result();
  }
}
