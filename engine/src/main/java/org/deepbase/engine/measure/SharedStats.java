package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * The parts of a batch's statistics that depend on one side only, computed once and shared by
 * every (unit, hypothesis) pair: a unit's moments and per-record thresholds serve all hypotheses,
 * a hypothesis' moments and "on" positions serve all units. With a sparse binary hypothesis (a
 * ghost mask: 1 symbol in 285) a pair then costs O(on symbols) instead of O(symbols).
 */
public final class SharedStats {
  private SharedStats() {
  }

  /**
   * One unit's values over a batch.
   *
   * @param n values
   * @param mean their mean
   * @param m2 sum of squared deviations from the mean
   * @param centredSum sum of deviations (0 up to rounding; kept so that covariances stay exact)
   */
  public record Unit(int n, double mean, double m2, double centredSum) {
    /** Computes a unit's moments in two passes, as {@link CorrelationAccumulator} does per chunk. */
    public static Unit of(FloatBuffer values, int n) {
      int v0 = values.position();
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += values.get(v0 + i);
      }
      double mean = sum / n;
      double m2 = 0;
      double centred = 0;
      for (int i = 0; i < n; i++) {
        double d = values.get(v0 + i) - mean;
        m2 += d * d;
        centred += d;
      }
      return new Unit(n, mean, m2, centred);
    }
  }

  /**
   * One hypothesis' annotations over a batch.
   *
   * @param n values
   * @param mean their mean
   * @param m2 sum of squared deviations
   * @param binary whether every value is 0 or 1
   * @param firstNonBinary a value that is neither 0 nor 1 (when not binary)
   * @param onStart for binary annotations: record r's on positions are {@code on[onStart[r]..onStart[r+1])}
   * @param on symbol positions (within the record) where the annotation is 1
   */
  public record Hypothesis(int n, double mean, double m2, boolean binary, float firstNonBinary, int[] onStart,
      int[] on) {
    /** Indexes a batch of annotations, records x symbols from the buffer's position. */
    public static Hypothesis of(FloatBuffer annotations, int records, int symbols) {
      int n = records * symbols;
      int a0 = annotations.position();
      double sum = 0;
      boolean binary = true;
      float bad = 0;
      int ones = 0;
      for (int i = 0; i < n; i++) {
        float a = annotations.get(a0 + i);
        sum += a;
        if (a == 1f) {
          ones++;
        } else if (a != 0f && binary) {
          binary = false;
          bad = a;
        }
      }
      double mean = sum / n;
      double m2 = 0;
      for (int i = 0; i < n; i++) {
        double d = annotations.get(a0 + i) - mean;
        m2 += d * d;
      }
      int[] onStart = new int[records + 1];
      int[] on = new int[binary ? ones : 0];
      if (binary) {
        int k = 0;
        for (int r = 0; r < records; r++) {
          onStart[r] = k;
          for (int s = 0; s < symbols; s++) {
            if (annotations.get(a0 + r * symbols + s) == 1f) {
              on[k++] = s;
            }
          }
        }
        onStart[records] = k;
      }
      return new Hypothesis(n, mean, m2, binary, bad, onStart, on);
    }
  }

  /**
   * Computes a unit's moments and its thresholds and firing counts at one quantile in two passes
   * instead of four: the threshold selection also sums, the firing count also takes the
   * deviations.
   */
  public static Firing unitAndFiring(FloatBuffer values, int records, int symbols, double quantile, float[] scratch,
      Unit[] moments) {
    int v0 = values.position();
    int n = records * symbols;
    double[] sum = {0};
    double[] thresholds = new double[records];
    for (int r = 0; r < records; r++) {
      thresholds[r] = Quantiles.of(values, v0 + r * symbols, symbols, quantile, scratch, sum);
    }
    double mean = sum[0] / n;
    // Two partial sums each for m2 and the centred sum: one chain per statistic would wait on the
    // latency of every add.
    double m2a = 0;
    double m2b = 0;
    double ca = 0;
    double cb = 0;
    int[] firing = new int[records];
    for (int r = 0; r < records; r++) {
      double t = thresholds[r];
      int count = 0;
      int base = v0 + r * symbols;
      int s = 0;
      for (; s + 1 < symbols; s += 2) {
        float v = values.get(base + s);
        float w = values.get(base + s + 1);
        count += (v > t ? 1 : 0) + (w > t ? 1 : 0);
        double d = v - mean;
        double e = w - mean;
        m2a += d * d;
        m2b += e * e;
        ca += d;
        cb += e;
      }
      if (s < symbols) {
        float v = values.get(base + s);
        count += v > t ? 1 : 0;
        double d = v - mean;
        m2a += d * d;
        ca += d;
      }
      firing[r] = count;
    }
    moments[0] = new Unit(n, mean, m2a + m2b, ca + cb);
    return new Firing(thresholds, firing);
  }

  /**
   * One unit's per-record thresholds and how many symbols fire above them.
   *
   * @param thresholds T_r per record
   * @param firing |{s : v > T_r}| per record
   */
  public record Firing(double[] thresholds, int[] firing) {
    /** Computes a unit's per-record thresholds at a quantile and the firing counts. */
    public static Firing of(FloatBuffer values, int records, int symbols, double quantile, float[] scratch) {
      double[] thresholds = new double[records];
      LocalIouAccumulator.thresholds(values, records, symbols, quantile, scratch, thresholds);
      int[] firing = new int[records];
      int v0 = values.position();
      for (int r = 0; r < records; r++) {
        int count = 0;
        for (int s = 0; s < symbols; s++) {
          if (values.get(v0 + r * symbols + s) > thresholds[r]) {
            count++;
          }
        }
        firing[r] = count;
      }
      return new Firing(thresholds, firing);
    }
  }
}
