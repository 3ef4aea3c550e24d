package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

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
    if (n == 0) {
      return Double.NaN;
    }
    double position = q * (n - 1);
    int lo = (int) Math.floor(position);
    int k = n - lo; // ranks lo..n-1 are the k largest values
    if (k > SELECTION_LIMIT) {
      values.get(offset, scratch, 0, n);
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
    // scratch[0] has rank lo, scratch[1] rank lo + 1.
    double fraction = position - lo;
    float atLo = scratch[0];
    float atNext = k > 1 ? scratch[1] : scratch[0];
    return atLo + fraction * ((double) atNext - atLo);
  }

  private static final int SELECTION_LIMIT = 16;

  /** Checks that q is a usable quantile, naming the measure when it is not. */
  public static double check(String measure, double q) {
    if (!(q >= 0 && q < 1)) {
      throw new IllegalArgumentException(measure + ": quantile must be in [0, 1), got " + q);
    }
    return q;
  }
}
