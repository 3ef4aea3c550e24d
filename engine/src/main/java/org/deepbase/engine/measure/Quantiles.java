package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * Computes quantiles with linear interpolation between closest ranks (NumPy's default {@code
 * method='linear'}): for sorted values s[0..n-1], q maps to position q * (n - 1).
 */
public final class Quantiles {
  private Quantiles() {}

  /** Returns the q-quantile of the first n values of an ascending array. */
  public static double ofSorted(float[] sorted, int n, double q) {
    if (n == 0) {
      return Double.NaN;
    }
    double position = q * (n - 1);
    int lo = (int) Math.floor(position);
    int hi = Math.min(lo + 1, n - 1);
    double fraction = position - lo;
    return sorted[lo] + fraction * ((double) sorted[hi] - sorted[lo]);
  }

  /**
   * Returns the q-quantile of {@code n} values of a buffer from {@code offset}, using {@code
   * scratch} (length >= n): the values are copied once (one bulk copy) and selected in the array,
   * see {@link Rank#of}.
   */
  public static double of(FloatBuffer values, int offset, int n, double q, float[] scratch) {
    if (n == 0) {
      return Double.NaN;
    }
    values.get(offset, scratch, 0, n);
    Rank rank = new Rank(n, q);
    return rank.of(scratch, n, rank.newTop());
  }

  /**
   * Where the q-quantile of n values lies: between ranks {@code lo} and {@code lo + 1} (ascending)
   * at {@code fraction}; {@code k} values have rank lo or more.
   */
  public record Rank(int lo, double fraction, int k) {
    public Rank(int n, double q) {
      this(
          (int) Math.floor(q * (n - 1)),
          q * (n - 1) - Math.floor(q * (n - 1)),
          n - (int) Math.floor(q * (n - 1)));
    }

    /** Returns the scratch space {@link #of} needs for the largest values. */
    public float[] newTop() {
      return new float[Math.min(k, SELECTION_LIMIT)];
    }

    /**
     * Returns the quantile of the first n values of an array. A high quantile (only a few values at
     * or above its rank, as the default 0.995 over a 15 x 19 map: 3 of 285) is found by keeping the
     * k largest values in {@code top} (length >= k when k <= 16), O(n) with one comparison per
     * value; otherwise the array is SORTED IN PLACE.
     */
    public double of(float[] values, int n, float[] top) {
      if (!selects()) {
        java.util.Arrays.sort(values, 0, n);
        return fromSorted(values, n);
      }
      largest(values, n, top, k);
      return fromTop(top);
    }

    /** Whether the quantile is found by keeping the k largest values (else by sorting). */
    public boolean selects() {
      return k <= SELECTION_LIMIT;
    }

    /** Returns the quantile from the k largest values, ascending. */
    public double fromTop(float[] top) {
      float atLo = top[0];
      float atNext = k > 1 ? top[1] : top[0];
      return atLo + fraction * ((double) atNext - atLo);
    }

    /** Returns the quantile of n sorted values. */
    public double fromSorted(float[] sorted, int n) {
      float atLo = sorted[lo];
      return atLo + fraction * ((double) sorted[Math.min(lo + 1, n - 1)] - atLo);
    }

    /**
     * Returns how many of the n values lie strictly above the quantile {@code t} that {@link #of}
     * just returned for them, from what it left behind: values of rank below lo are at most the
     * value of rank lo, which is at most t, so only the k largest can count.
     */
    public int above(float[] values, int n, float[] top, double t) {
      int count = 0;
      if (!selects()) {
        for (int i = n - 1; i >= 0 && values[i] > t; i--) {
          count++;
        }
      } else {
        for (int i = 0; i < k; i++) {
          count += top[i] > t ? 1 : 0;
        }
      }
      return count;
    }
  }

  /** Puts the k largest of the first n values in {@code top[0..k)}, ascending (n >= k). */
  static void largest(float[] values, int n, float[] top, int k) {
    seed(values, top, k);
    float smallest = top[0];
    for (int i = k; i < n; i++) {
      float v = values[i];
      if (v > smallest) {
        smallest = insert(top, k, v);
      }
    }
  }

  /** Sorts the first k values into {@code top}. */
  static void seed(float[] values, float[] top, int k) {
    for (int i = 0; i < k; i++) {
      float v = values[i];
      int j = i;
      while (j > 0 && top[j - 1] > v) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = v;
    }
  }

  /**
   * Replaces the smallest of the k largest values by v (larger than it); returns the new smallest.
   */
  static float insert(float[] top, int k, float v) {
    int j = 0;
    while (j + 1 < k && top[j + 1] < v) {
      top[j] = top[j + 1];
      j++;
    }
    top[j] = v;
    return top[0];
  }

  static final int SELECTION_LIMIT = 16;

  /**
   * Sums n values with four independent partial sums: one running double sum is bound by the
   * latency of a floating-point add per value.
   */
  static double sum(float[] values, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += values[i];
      s1 += values[i + 1];
      s2 += values[i + 2];
      s3 += values[i + 3];
    }
    for (; i < n; i++) {
      s0 += values[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Checks that q is a usable quantile, naming the measure when it is not. */
  public static double check(String measure, double q) {
    if (!(q >= 0 && q < 1)) {
      throw new IllegalArgumentException(measure + ": quantile must be in [0, 1), got " + q);
    }
    return q;
  }
}
