package org.deepbase.sql;

import org.deepbase.engine.measure.Ceilings;
import org.deepbase.engine.measure.LocalIouAccumulator;

/** SQL functions that put a score beside the most its measure can give (docs/measures.md). */
public final class CeilingFunctions {
  private CeilingFunctions() {}

  /**
   * {@code overlap_ceiling(k, n)}: the largest iou/local_iou a mask of k symbols per record can
   * reach at the measures' default quantile (0.995) on records of n symbols. (Other quantiles: the
   * formula in docs/measures.md; a DECIMAL literal such as 0.995 does not bind to a double
   * parameter of a Calcite scalar function, so the quantile is not an argument.)
   */
  public static double overlap_ceiling(int k, int n) {
    return Ceilings.overlap(k, LocalIouAccumulator.DEFAULT_QUANTILE, n);
  }
}
