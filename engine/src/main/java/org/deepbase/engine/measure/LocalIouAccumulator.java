package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * Accumulates local IoU of one unit against one binary hypothesis.
 *
 * <p>Per record, the unit fires at the symbols whose value is strictly above T_r, the {@code
 * quantile}-quantile of that record's values (see {@link Quantiles}); the annotation is on where it
 * is 1. IoU = sum_r |fire ∩ on| / sum_r |fire ∪ on|, sums over the whole dataset; 0 when the union
 * is empty. Memory: one record of scratch space. Exact in one pass.
 */
public final class LocalIouAccumulator implements Accumulator {
  /** NetDissect's top 0.5 %: T is the 0.995 quantile. */
  public static final double DEFAULT_QUANTILE = 0.995;

  private final double quantile;
  private float[] scratch = new float[0];
  private long intersection;
  private long union;
  private long records;
  private long count;

  public LocalIouAccumulator(double quantile) {
    this.quantile = Quantiles.check(Measure.LOCAL_IOU.sqlName(), quantile);
  }

  /** {@inheritDoc} */
  @Override
  public void add(FloatBuffer values, FloatBuffer annotations, int recordCount, int symbols) {
    if (scratch.length < symbols) {
      scratch = new float[symbols];
    }
    double[] thresholds = new double[recordCount];
    thresholds(values, recordCount, symbols, quantile, scratch, thresholds);
    addWithThresholds(values, annotations, recordCount, symbols, thresholds);
  }

  /** Returns the threshold quantile. */
  public double quantile() {
    return quantile;
  }

  /** {@inheritDoc} */
  @Override
  public double perRecordQuantile() {
    return quantile;
  }

  /** Adds a batch from the unit's shared thresholds (see {@link #addShared}). */
  @Override
  public void add(UnitBatch unit, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    addShared(unit.values(), unit.firing(quantile), hypothesis, unit.records(), unit.symbols());
  }

  /**
   * Computes each record's threshold once, so that a unit compared with several hypotheses does not
   * select its top values once per hypothesis.
   */
  public static void thresholds(
      FloatBuffer values,
      int recordCount,
      int symbols,
      double quantile,
      float[] scratch,
      double[] out) {
    Quantiles.Rank rank = new Quantiles.Rank(symbols, quantile);
    float[] top = rank.newTop();
    for (int r = 0; r < recordCount; r++) {
      values.get(values.position() + r * symbols, scratch, 0, symbols);
      out[r] = rank.of(scratch, symbols, top);
    }
  }

  /** Adds records whose thresholds were computed by {@link #thresholds} at this quantile. */
  public void addWithThresholds(
      FloatBuffer values,
      FloatBuffer annotations,
      int recordCount,
      int symbols,
      double[] thresholds) {
    for (int r = 0; r < recordCount; r++) {
      int v0 = values.position() + r * symbols;
      int a0 = annotations.position() + r * symbols;
      double threshold = thresholds[r];
      for (int s = 0; s < symbols; s++) {
        boolean fires = values.get(v0 + s) > threshold;
        boolean on = Annotations.binary(Measure.LOCAL_IOU.sqlName(), annotations.get(a0 + s));
        if (fires && on) {
          intersection++;
        }
        if (fires || on) {
          union++;
        }
      }
    }
    records += recordCount;
    count += (long) recordCount * symbols;
  }

  /**
   * Adds a batch from shared statistics: |fire ∩ on| = on symbols above the threshold, |fire ∪ on|
   * = |fire| + |on| - |fire ∩ on|; the same counts as {@link #addWithThresholds} in O(on symbols).
   */
  public void addShared(
      FloatBuffer values,
      SharedStats.Firing unit,
      SharedStats.Hypothesis hypothesis,
      int recordCount,
      int symbols) {
    if (!hypothesis.binary()) {
      Annotations.binary(Measure.LOCAL_IOU.sqlName(), hypothesis.firstNonBinary());
    }
    int v0 = values.position();
    int[] onStart = hypothesis.onStart();
    int[] on = hypothesis.on();
    for (int r = 0; r < recordCount; r++) {
      double threshold = unit.thresholds()[r];
      long both = 0;
      for (int k = onStart[r]; k < onStart[r + 1]; k++) {
        if (values.get(v0 + r * symbols + on[k]) > threshold) {
          both++;
        }
      }
      intersection += both;
      union += unit.firing()[r] + (onStart[r + 1] - onStart[r]) - both;
    }
    records += recordCount;
    count += (long) recordCount * symbols;
  }

  /** Adds one record held in arrays. */
  public void addRecord(
      float[] values, int valueOffset, float[] annotations, int annotationOffset, int n) {
    add(
        FloatBuffer.wrap(values, valueOffset, n).slice(),
        FloatBuffer.wrap(annotations, annotationOffset, n).slice(),
        1,
        n);
  }

  /** {@inheritDoc} */
  @Override
  public void merge(Accumulator other) {
    LocalIouAccumulator o = (LocalIouAccumulator) other;
    intersection += o.intersection;
    union += o.union;
    records += o.records;
    count += o.count;
  }

  /** {@inheritDoc} */
  @Override
  public Score result() {
    return Score.exact(union == 0 ? 0.0 : (double) intersection / union, count);
  }

  /** Returns how many records were added. */
  public long records() {
    return records;
  }
}
