package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * Accumulates the ROC AUC of a unit's value as a score for a binary annotation: the probability
 * that a random "on" value exceeds a random "off" value, ties counting one half (Mann-Whitney U /
 * (P N)).
 *
 * <p>Computed from a {@link JointHistogram}: pairs in different buckets are ordered exactly; pairs
 * within one bucket count one half, so the interval is ± (sum over buckets of on_b off_b / 2) / (P
 * N) around the estimate, except in the exact-zero bucket, whose values truly tie. Memory is the
 * histogram's.
 */
final class AucAccumulator implements Accumulator {
  private final JointHistogram histogram = new JointHistogram(2);
  private long count;

  /** {@inheritDoc} */
  @Override
  public void add(FloatBuffer values, FloatBuffer annotations, int records, int symbols) {
    int n = records * symbols;
    int v0 = values.position();
    int a0 = annotations.position();
    for (int i = 0; i < n; i++) {
      histogram.add(values.get(v0 + i), Annotations.binary("auc", annotations.get(a0 + i)) ? 1 : 0);
    }
    count += n;
  }

  /** {@inheritDoc} */
  @Override
  public void merge(Accumulator other) {
    AucAccumulator o = (AucAccumulator) other;
    histogram.merge(o.histogram, new int[] {0, 1});
    count += o.count;
  }

  /** {@inheritDoc} */
  @Override
  public Score result() {
    double[] sums = new double[4]; // offBelow, wins, slack, positives
    histogram.forEachAscending(
        (ordinal, counts) -> {
          double off = counts[0];
          double on = counts[1];
          sums[1] += on * (sums[0] + off / 2);
          if (ordinal != JointHistogram.ZERO) {
            sums[2] += on * off / 2;
          }
          sums[0] += off;
          sums[3] += on;
        });
    double pairs = sums[3] * sums[0];
    if (pairs == 0) {
      return new Score(0.0, 0.0, 0.0, count, "auc needs both annotated and unannotated symbols");
    }
    double auc = sums[1] / pairs;
    double slack = sums[2] / pairs;
    return new Score(auc, Math.max(0, auc - slack), Math.min(1, auc + slack), count, null);
  }
}
