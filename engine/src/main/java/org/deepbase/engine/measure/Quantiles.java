package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Computes quantiles with linear interpolation between closest ranks (NumPy's default
 * {@code method='linear'}): for sorted values s[0..n-1], q maps to position q * (n - 1).
 */
public final class Quantiles {
  private Quantiles() {
  }

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
   * Returns the q-quantile of {@code n} values of a buffer from {@code offset}, using
   * {@code scratch} (length >= n). A high quantile (only a few values at or above its rank, as
   * the default 0.995 over a 15 x 19 map: 3 of 285) is found by keeping the few largest values,
   * O(n k); otherwise by sorting a copy.
   */
  public static double of(FloatBuffer values, int offset, int n, double q, float[] scratch) {
    return of(values, offset, n, q, scratch, null);
  }

  /**
   * Returns the q-quantile as {@link #of(FloatBuffer, int, int, double, float[])} does and, when
   * {@code sum} is not null, adds the n values to {@code sum[0]} (in order) in the same pass.
   */
  public static double of(FloatBuffer values, int offset, int n, double q, float[] scratch, double @Nullable [] sum) {
    if (n == 0) {
      return Double.NaN;
    }
    double position = q * (n - 1);
    int lo = (int) Math.floor(position);
    int k = n - lo; // ranks lo..n-1 are the k largest values
    if (k > SELECTION_LIMIT) {
      values.get(offset, scratch, 0, n);
      if (sum != null) {
        for (int i = 0; i < n; i++) {
          sum[0] += scratch[i];
        }
      }
      java.util.Arrays.sort(scratch, 0, n);
      return ofSorted(scratch, n, q);
    }
    // scratch[0..k) holds the k largest values seen, ascending.
    int size = 0;
    for (int i = 0; i < n; i++) {
      float v = values.get(offset + i);
      if (size < k) {
        int j = size++;
        while (j > 0 && scratch[j - 1] > v) {
          scratch[j] = scratch[j - 1];
          j--;
        }
        scratch[j] = v;
      } else if (v > scratch[0]) {
        int j = 0;
        while (j + 1 < k && scratch[j + 1] < v) {
          scratch[j] = scratch[j + 1];
          j++;
        }
        scratch[j] = v;
      }
    }
    if (sum != null) {
      sum[0] += sum(values, offset, n);
    }
    // scratch[0] has rank lo, scratch[1] rank lo + 1.
    double fraction = position - lo;
    float atLo = scratch[0];
    float atNext = k > 1 ? scratch[1] : scratch[0];
    return atLo + fraction * ((double) atNext - atLo);
  }

  private static final int SELECTION_LIMIT = 16;

  /**
   * Sums n values with four independent partial sums: one running double sum is bound by the
   * latency of a floating-point add per value.
   */
  static double sum(FloatBuffer values, int offset, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += values.get(offset + i);
      s1 += values.get(offset + i + 1);
      s2 += values.get(offset + i + 2);
      s3 += values.get(offset + i + 3);
    }
    for (; i < n; i++) {
      s0 += values.get(offset + i);
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
