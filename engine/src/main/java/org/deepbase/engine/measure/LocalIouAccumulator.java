package org.deepbase.engine.measure;

import java.util.Arrays;

/**
 * Accumulates local IoU of one unit against one binary hypothesis.
 *
 * <p>Per record, the unit fires at the symbols whose value is strictly above T_r, the
 * {@code quantile}-quantile of that record's values (see {@link Quantiles}); the annotation is
 * "on" where it equals 1 (any value > 0.5). IoU = sum_r |fire ∩ on| / sum_r |fire ∪ on|, with
 * sums over the whole dataset; 0 when the union is empty. Memory: one record of scratch space.
 */
public final class LocalIouAccumulator {
  /** NetDissect's top 0.5 %: T is the 0.995 quantile. */
  public static final double DEFAULT_QUANTILE = 0.995;

  private final double quantile;
  private float[] scratch = new float[0];
  private long intersection;
  private long union;
  private long records;

  public LocalIouAccumulator(double quantile) {
    this.quantile = Quantiles.check("local_iou", quantile);
  }

  /** Adds one record: {@code n} values and annotations starting at the given offsets. */
  public void addRecord(float[] values, int valueOffset, float[] annotations, int annotationOffset, int n) {
    if (scratch.length < n) {
      scratch = new float[n];
    }
    System.arraycopy(values, valueOffset, scratch, 0, n);
    Arrays.sort(scratch, 0, n);
    double threshold = Quantiles.ofSorted(scratch, n, quantile);
    for (int s = 0; s < n; s++) {
      boolean fires = values[valueOffset + s] > threshold;
      boolean on = annotations[annotationOffset + s] > 0.5f;
      if (fires && on) {
        intersection++;
      }
      if (fires || on) {
        union++;
      }
    }
    records++;
  }

  /** Adds another accumulator's counts (same quantile) to this one. */
  public LocalIouAccumulator merge(LocalIouAccumulator other) {
    intersection += other.intersection;
    union += other.union;
    records += other.records;
    return this;
  }

  /** Returns the IoU so far. */
  public double result() {
    return union == 0 ? 0.0 : (double) intersection / union;
  }

  /** Returns how many records were added. */
  public long records() {
    return records;
  }
}
