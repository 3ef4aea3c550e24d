package org.deepbase.engine.exec;

/**
 * A confidence interval for a score from the spread of its per-batch values ("batch means"): with B
 * batch scores of sample standard deviation s, the half-width is z * s / sqrt(B), with z = 1.96
 * (normal approximation, ~95 %), times the finite population correction sqrt(1 - f) when a fraction
 * f of the records has been read. The interval is for the EXACT score, the one over every record
 * the query covers: those records are a finite population and the records read a sample without
 * replacement of it, so the uncertainty shrinks to 0 as f reaches 1 (reading half of them leaves
 * sqrt(1/2) of the uncorrected width). Records are assumed exchangeable (the datasets here are
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

  /**
   * Returns the half-width, infinite before two batches.
   *
   * @param fractionRead the fraction of the covered records read so far, in [0, 1]
   */
  double halfWidth(double fractionRead) {
    if (batches < 2) {
      return Double.POSITIVE_INFINITY;
    }
    double correction = Math.sqrt(Math.max(0, 1 - fractionRead));
    return Z * Math.sqrt(m2 / (batches - 1)) / Math.sqrt(batches) * correction;
  }
}
