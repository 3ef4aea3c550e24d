package org.deepbase.engine.measure;

/**
 * The most a thresholded overlap measure ({@code iou}, {@code local_iou}) can give a mask of k
 * symbols: a score is read against this, not against 1 (docs/measures.md).
 */
public final class Ceilings {
  private Ceilings() {}

  /**
   * Returns how many of n symbols fire at quantile q when the unit's top values are distinct: those
   * strictly above Q(q) with linear interpolation, n - 1 - floor(q (n - 1)).
   */
  public static int firing(double q, int n) {
    return n - 1 - (int) Math.floor(q * (n - 1));
  }

  /**
   * Returns the largest IoU a mask of k symbols per record can reach against a unit that fires at
   * {@link #firing} symbols per record: min(f, k) / max(f, k).
   */
  public static double overlap(int k, double q, int n) {
    int f = firing(q, n);
    if (k <= 0 || f <= 0) {
      return 0;
    }
    return (double) Math.min(f, k) / Math.max(f, k);
  }
}
