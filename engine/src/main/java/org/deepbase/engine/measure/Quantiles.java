package org.deepbase.engine.measure;

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

  /** Checks that q is a usable quantile, naming the measure when it is not. */
  public static double check(String measure, double q) {
    if (!(q >= 0 && q < 1)) {
      throw new IllegalArgumentException(measure + ": quantile must be in [0, 1), got " + q);
    }
    return q;
  }
}
