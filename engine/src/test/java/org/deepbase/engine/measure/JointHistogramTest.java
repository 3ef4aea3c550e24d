package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The histogram's floor: the highest positive bucket (above the first) with enough values in it or
 * above.
 */
class JointHistogramTest {
  @Test
  void floorIsTheHighestBucketWithEnoughValuesAtOrAboveIt() {
    Random rng = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int classes = 1 + rng.nextInt(3);
      JointHistogram h = new JointHistogram(classes);
      int n = rng.nextInt(400);
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        double u = rng.nextDouble();
        // Negatives, exact zeros, values in the first positive bucket and a wide positive range.
        values[i] =
            u < 0.2
                ? (float) -rng.nextDouble()
                : u < 0.35
                    ? 0f
                    : u < 0.4 ? Float.MIN_VALUE : (float) Math.exp(6 * rng.nextGaussian());
        h.add(values[i], rng.nextInt(classes));
      }
      for (long need : new long[] {0, 1, 2, n / 10, n / 2, n - 1, n, n + 1}) {
        assertEquals(
            bruteForce(values, need), h.floorFor(need), "trial " + trial + " need " + need);
      }
    }
  }

  @Test
  void nextAboveIsTheFirstNonEmptyBucketAboveOrItself() {
    Random rng = new Random(4);
    for (int trial = 0; trial < 200; trial++) {
      JointHistogram h = new JointHistogram(2);
      int n = rng.nextInt(60);
      java.util.TreeSet<Long> ordinals = new java.util.TreeSet<>();
      for (int i = 0; i < n; i++) {
        double u = rng.nextDouble();
        float v =
            u < 0.3
                ? (float) -Math.exp(rng.nextGaussian())
                : u < 0.4 ? 0f : (float) Math.exp(rng.nextGaussian());
        h.add(v, rng.nextInt(2));
        ordinals.add(JointHistogram.ordinal(v));
      }
      // From every bucket hit and from ordinals between and beyond them.
      java.util.List<Long> from = new java.util.ArrayList<>(ordinals);
      for (long o : ordinals) {
        from.add(o - 1);
        from.add(o + 1);
      }
      from.add(JointHistogram.ZERO);
      from.add(-100_000L);
      from.add(100_000L);
      for (long o : from) {
        Long next = ordinals.higher(o);
        assertEquals(next == null ? o : next, h.nextAbove(o), "trial " + trial + " from " + o);
      }
    }
  }

  @Test
  void countingValuesIsCountingTheirOrdinals() {
    Random rng = new Random(5);
    for (int trial = 0; trial < 100; trial++) {
      float[] values = new float[rng.nextInt(300)];
      long[] ordinals = new long[values.length];
      for (int i = 0; i < values.length; i++) {
        double u = rng.nextDouble();
        values[i] = u < 0.3 ? 0f : (float) (rng.nextGaussian() * Math.exp(4 * rng.nextGaussian()));
        ordinals[i] = JointHistogram.ordinal(values[i]);
      }
      assertEquals(
          buckets(JointHistogram.ofOrdinals(ordinals)), buckets(JointHistogram.ofValues(values)));
    }
  }

  private static java.util.List<String> buckets(JointHistogram h) {
    java.util.List<String> out = new java.util.ArrayList<>();
    h.forEachAscending(
        (ordinal, counts) -> out.add(ordinal + ":" + java.util.Arrays.toString(counts)));
    return out;
  }

  /** Straight from the definition: every non-empty positive bucket but the first, tried in turn. */
  private static long bruteForce(float[] values, long need) {
    long best = JointHistogram.ZERO;
    for (float v : values) {
      long ordinal = JointHistogram.ordinal(v);
      if (ordinal <= JointHistogram.ordinal(Float.MIN_VALUE)) {
        continue;
      }
      long atOrAbove = 0;
      for (float w : values) {
        atOrAbove += JointHistogram.ordinal(w) >= ordinal ? 1 : 0;
      }
      if (atOrAbove >= need) {
        best = Math.max(best, ordinal);
      }
    }
    return best;
  }
}
