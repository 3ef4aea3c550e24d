package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MeasuresTest {
  @Test
  void localIouMatchesBruteForceWithTies() {
    Random rng = new Random(3);
    int records = 50;
    int symbols = 40;
    float[] values = new float[records * symbols];
    float[] mask = new float[records * symbols];
    for (int i = 0; i < values.length; i++) {
      values[i] = rng.nextInt(5); // many ties
      mask[i] = rng.nextDouble() < 0.2 ? 1 : 0;
    }
    for (double q : new double[] {0.5, 0.9, 0.995}) {
      LocalIouAccumulator whole = new LocalIouAccumulator(q);
      LocalIouAccumulator left = new LocalIouAccumulator(q);
      LocalIouAccumulator right = new LocalIouAccumulator(q);
      long inter = 0;
      long union = 0;
      for (int r = 0; r < records; r++) {
        whole.addRecord(values, r * symbols, mask, r * symbols, symbols);
        (r % 2 == 0 ? left : right).addRecord(values, r * symbols, mask, r * symbols, symbols);
        // Brute force: threshold = value at rank position by counting, no sorting helper.
        double position = q * (symbols - 1);
        double lo = kth(values, r * symbols, symbols, (int) Math.floor(position));
        double hi =
            kth(
                values,
                r * symbols,
                symbols,
                Math.min((int) Math.floor(position) + 1, symbols - 1));
        double t = lo + (position - Math.floor(position)) * (hi - lo);
        for (int s = 0; s < symbols; s++) {
          boolean fire = values[r * symbols + s] > t;
          boolean on = mask[r * symbols + s] == 1;
          inter += fire && on ? 1 : 0;
          union += fire || on ? 1 : 0;
        }
      }
      assertEquals((double) inter / union, whole.result().value(), 1e-12, "q=" + q);
      left.merge(right);
      assertEquals(whole.result().value(), left.result().value(), 1e-12, "merge is exact");
      assertEquals(records, whole.records());
    }
  }

  /** Returns the k-th smallest value by counting (independent of Arrays.sort). */
  private static double kth(float[] v, int off, int n, int k) {
    for (int i = 0; i < n; i++) {
      int less = 0;
      int equal = 0;
      for (int j = 0; j < n; j++) {
        less += v[off + j] < v[off + i] ? 1 : 0;
        equal += v[off + j] == v[off + i] ? 1 : 0;
      }
      if (less <= k && k < less + equal) {
        return v[off + i];
      }
    }
    throw new AssertionError();
  }

  @Test
  void correlationIsStableAndMergeable() {
    Random rng = new Random(9);
    CorrelationAccumulator all = new CorrelationAccumulator();
    CorrelationAccumulator a = new CorrelationAccumulator();
    CorrelationAccumulator b = new CorrelationAccumulator();
    double[] xs = new double[10_000];
    double[] ys = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      // A large offset breaks naive sum-of-squares formulas in double precision.
      xs[i] = 1e8 + rng.nextGaussian();
      ys[i] = 0.5 * (xs[i] - 1e8) + rng.nextGaussian();
      all.add(xs[i], ys[i]);
      (i < 3000 ? a : b).add(xs[i], ys[i]);
    }
    double expected = 0.5 / Math.sqrt(1.25);
    assertEquals(expected, all.correlation(), 0.02);
    assertEquals(all.correlation(), a.merge(b).correlation(), 1e-9);
    assertFalse(all.constantInput());
  }

  @Test
  void constantInputScoresZeroAndSaysSo() {
    CorrelationAccumulator c = new CorrelationAccumulator();
    for (int i = 0; i < 100; i++) {
      c.add(3.0, i);
    }
    assertEquals(0.0, c.result().value());
    assertTrue(c.result().warning() != null, "warns");
    assertTrue(c.constantInput());
    assertEquals(0.0, new CorrelationAccumulator().result().value(), "empty input is 0, not NaN");
  }

  @Test
  void histogramStaysSmallWhenValuesCreepDownward() {
    // Regression: growing by a fixed margin doubled the array at every slightly smaller value.
    JointHistogram h = new JointHistogram(16);
    for (int i = 0; i < 100_000; i++) {
      h.add((float) Math.exp(-i * 1e-4), 0);
    }
    long[] buckets = {0};
    h.forEachAscending((ordinal, counts) -> buckets[0]++);
    // Values span 10 e-folds, 14.4 powers of two: 512 buckets each.
    assertTrue(
        buckets[0] < 10 / Math.log(2) * (1 << JointHistogram.SUB_BITS) + 64,
        "buckets " + buckets[0]);
    assertTrue(h.allocatedBuckets() < 4 * buckets[0] + 64, "allocated " + h.allocatedBuckets());
  }

  @Test
  void selectionQuantileEqualsSortedQuantile() {
    Random rng = new Random(4);
    float[] scratch = new float[300];
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rng.nextInt(300);
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = rng.nextInt(4) == 0 ? 0f : (float) rng.nextGaussian(); // ties included
      }
      float[] sorted = values.clone();
      java.util.Arrays.sort(sorted);
      for (double q : new double[] {0, 0.5, 0.9, 0.99, 0.995, 0.999}) {
        assertEquals(
            Quantiles.ofSorted(sorted, n, q),
            Quantiles.of(java.nio.FloatBuffer.wrap(values), 0, n, q, scratch),
            0.0,
            "n=" + n + " q=" + q);
      }
    }
  }
}
