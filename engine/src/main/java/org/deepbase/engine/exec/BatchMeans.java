package org.deepbase.engine.exec;

/**
 * A confidence interval for a score from the spread of its per-batch values ("batch means"):
 * with B batch scores of sample standard deviation s, the half-width is t * s / sqrt(B), with
 * t = 1.96 (normal approximation, ~95 %). Records are assumed exchangeable (the datasets here are
 * i.i.d. draws); batch scores of ratio measures (IoU) are approximately normal for batches of a
 * hundred records or more.
 */
final class BatchMeans {
  private static final double Z = 1.96;
  private long batches;
  private double mean;
  private double m2;

  void add(double batchScore) {
    batches++;
    double d = batchScore - mean;
    mean += d / batches;
    m2 += d * (batchScore - mean);
  }

  /** Returns the half-width, infinite before two batches. */
  double halfWidth() {
    if (batches < 2) {
      return Double.POSITIVE_INFINITY;
    }
    return Z * Math.sqrt(m2 / (batches - 1)) / Math.sqrt(batches);
  }
}
