package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * Accumulates Pearson correlation of a unit's values with an annotation over all (record, symbol)
 * pairs.
 *
 * <p>Uses Welford's updates of means and co-moments and Chan et al.'s pairwise formula to merge,
 * which stay accurate where naive sums of squares cancel catastrophically. A constant input (zero
 * variance on either side) has no defined correlation: the result is 0 and {@link #constantInput()}
 * reports it, so callers can warn instead of returning NaN.
 */
public final class CorrelationAccumulator implements Accumulator {
  private long n;
  private double meanX;
  private double meanY;
  private double m2x;
  private double m2y;
  private double cxy;

  /** Adds one pair. */
  public void add(double x, double y) {
    n++;
    double dx = x - meanX;
    meanX += dx / n;
    double dy = y - meanY;
    meanY += dy / n;
    m2x += dx * (x - meanX);
    m2y += dy * (y - meanY);
    cxy += dx * (y - meanY);
  }

  /** {@inheritDoc} */
  @Override
  public void add(FloatBuffer values, FloatBuffer annotations, int records, int symbols) {
    // Two passes over the chunk (means, then centred sums) and one Chan merge: no division per
    // value.
    int n = records * symbols;
    if (n == 0) {
      return;
    }
    int v0 = values.position();
    int a0 = annotations.position();
    double sx = 0;
    double sy = 0;
    for (int i = 0; i < n; i++) {
      sx += values.get(v0 + i);
      sy += annotations.get(a0 + i);
    }
    CorrelationAccumulator chunk = new CorrelationAccumulator();
    chunk.n = n;
    chunk.meanX = sx / n;
    chunk.meanY = sy / n;
    for (int i = 0; i < n; i++) {
      double dx = values.get(v0 + i) - chunk.meanX;
      double dy = annotations.get(a0 + i) - chunk.meanY;
      chunk.m2x += dx * dx;
      chunk.m2y += dy * dy;
      chunk.cxy += dx * dy;
    }
    merge(chunk);
  }

  /** Adds a batch from the unit's shared moments (see {@link #addShared}). */
  @Override
  public void add(UnitBatch unit, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    org.deepbase.engine.extract.BilinearResize plan = unit.resize();
    if (plan != null) {
      addOnOwnGrid(unit, plan, annotations, hypothesis);
      return;
    }
    addShared(
        unit.values(), annotations, unit.moments(), hypothesis, unit.records(), unit.symbols());
  }

  /**
   * Adds a batch from shared statistics: only the co-moment is computed per pair, over the "on"
   * positions when the annotation is binary (sum (x - mx)(y - my) = sum_on (x - mx) - my sum (x -
   * mx)).
   */
  public void addShared(
      FloatBuffer values,
      FloatBuffer annotations,
      SharedStats.Unit unit,
      SharedStats.Hypothesis hypothesis,
      int records,
      int symbols) {
    int n = records * symbols;
    if (n == 0) {
      return;
    }
    CorrelationAccumulator chunk = chunk(n, unit, hypothesis);
    int v0 = values.position();
    if (hypothesis.binary()) {
      double onSum = 0;
      int[] onStart = hypothesis.onStart();
      int[] on = hypothesis.on();
      for (int r = 0; r < records; r++) {
        for (int k = onStart[r]; k < onStart[r + 1]; k++) {
          onSum += values.get(v0 + r * symbols + on[k]) - unit.mean();
        }
      }
      chunk.cxy = onSum - hypothesis.mean() * unit.centredSum();
    } else {
      int a0 = annotations.position();
      double c = 0;
      for (int i = 0; i < n; i++) {
        c += (values.get(v0 + i) - unit.mean()) * (annotations.get(a0 + i) - hypothesis.mean());
      }
      chunk.cxy = c;
    }
    merge(chunk);
  }

  /**
   * Adds a batch resized on demand without resizing it: with c the unit's own-grid shift, sum a (v
   * - c) is a dot product of (x - c) with R^T a on the layer's own grid, and the co-moment is that
   * minus n m_a (m_v - c) (exact arithmetic; the moments come from the own grid too).
   */
  private void addOnOwnGrid(
      UnitBatch unit,
      org.deepbase.engine.extract.BilinearResize plan,
      FloatBuffer annotations,
      SharedStats.Hypothesis hypothesis) {
    int n = unit.records() * unit.symbols();
    if (n == 0) {
      return;
    }
    SharedStats.Unit moments = unit.moments();
    SharedStats.Adjoint adjoint = hypothesis.adjoint(plan, annotations, unit.records());
    double shift = unit.ownShift();
    double dot = adjoint.dot(unit.ownArray(), shift);
    if (adjoint.complement()) {
      // R^T a = R^T 1 - R^T (1 - a), and (R^T 1) . (x - c) is the sum of the resized values.
      dot = unit.resizedSumAroundShift() - dot;
    }
    CorrelationAccumulator chunk = chunk(n, moments, hypothesis);
    chunk.cxy = dot - n * hypothesis.mean() * (moments.mean() - shift);
    merge(chunk);
  }

  /** A batch's accumulator from shared moments; the caller sets its co-moment. */
  private static CorrelationAccumulator chunk(
      int n, SharedStats.Unit unit, SharedStats.Hypothesis hypothesis) {
    CorrelationAccumulator chunk = new CorrelationAccumulator();
    chunk.n = n;
    chunk.meanX = unit.mean();
    chunk.meanY = hypothesis.mean();
    chunk.m2x = unit.m2();
    chunk.m2y = hypothesis.m2();
    return chunk;
  }

  /** {@inheritDoc} */
  @Override
  public void merge(Accumulator other) {
    merge((CorrelationAccumulator) other);
  }

  /** {@inheritDoc} */
  @Override
  public Score result() {
    return new Score(
        correlation(),
        correlation(),
        correlation(),
        n,
        constantInput()
            ? "corr: constant input over " + n + " values, correlation undefined; reporting 0"
            : null);
  }

  /** Merges another accumulator into this one. */
  public CorrelationAccumulator merge(CorrelationAccumulator other) {
    if (other.n == 0) {
      return this;
    }
    if (n == 0) {
      copyFrom(other);
      return this;
    }
    long total = n + other.n;
    double dx = other.meanX - meanX;
    double dy = other.meanY - meanY;
    double weight = (double) n * other.n / total;
    m2x += other.m2x + dx * dx * weight;
    m2y += other.m2y + dy * dy * weight;
    cxy += other.cxy + dx * dy * weight;
    meanX += dx * other.n / total;
    meanY += dy * other.n / total;
    n = total;
    return this;
  }

  private void copyFrom(CorrelationAccumulator other) {
    n = other.n;
    meanX = other.meanX;
    meanY = other.meanY;
    m2x = other.m2x;
    m2y = other.m2y;
    cxy = other.cxy;
  }

  /** Returns whether either side had zero variance (the result is then 0). */
  public boolean constantInput() {
    return n > 0 && (m2x <= 0 || m2y <= 0);
  }

  /** Returns the correlation, 0 for constant or empty input. */
  public double correlation() {
    if (n == 0 || m2x <= 0 || m2y <= 0) {
      return 0.0;
    }
    double r = cxy / Math.sqrt(m2x * m2y);
    return Math.max(-1.0, Math.min(1.0, r));
  }

  /** Returns the number of pairs added. */
  public long count() {
    return n;
  }

  /** {@inheritDoc} One pass: nothing later. */
  @Override
  public float laterPassesNeedFrom() {
    return Float.POSITIVE_INFINITY;
  }
}
