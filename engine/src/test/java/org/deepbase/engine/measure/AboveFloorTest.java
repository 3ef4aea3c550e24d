package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pass one's values at or above a rising floor: complete above it, bounded, never zeros. */
class AboveFloorTest {
  /**
   * A batch's histogram from the values it just kept above the floor is the one counted from all of
   * its values: the same buckets, the rest lumped below the floor, batch after batch as the floor
   * rises, including a batch with no value at or above it.
   */
  @Test
  void theKeptValuesGiveTheBatchHistogram() {
    Random rng = new Random(11);
    int records = 6;
    int symbols = 40;
    AboveFloor kept = new AboveFloor(records * symbols);
    float[] floors = {0.05f, 0.3f, 1.2f, 1.9f, 9f};
    for (float f : floors) {
      long floor = JointHistogram.ordinal(f);
      float[] values = new float[records * symbols];
      for (int i = 0; i < values.length; i++) {
        // ReLU-like, a few negatives; under the last floor, nothing reaches it.
        values[i] = f > 5 ? (float) rng.nextGaussian() : (float) Math.max(-0.1, rng.nextGaussian());
      }
      kept.raise(floor);
      int first = kept.addAll(values);
      assertTrue(first >= 0, "kept");
      UnitBatch unit =
          new UnitBatch(java.nio.FloatBuffer.wrap(values), records, symbols, Double.NaN);
      String expected = buckets(unit.rawHistogramFrom(floor));
      assertEquals(expected, buckets(kept.histogramFrom(first, values.length)), "floor " + f);
      // Counted buckets above the lumped one, but none under the last floor.
      assertEquals(f < 5, expected.trim().split(" ").length > 1, expected);
    }
  }

  private static String buckets(JointHistogram h) {
    StringBuilder out = new StringBuilder();
    h.forEachAscending(
        (ordinal, counts) -> out.append(ordinal).append('=').append(counts[0]).append(' '));
    return out.toString();
  }

  @Test
  void keepsEveryValueAtOrAboveTheLatestFloor() {
    Random rng = new Random(3);
    AboveFloor kept = new AboveFloor(10_000);
    float[] all = new float[0];
    long floor = JointHistogram.ZERO;
    for (int batch = 0; batch < 20; batch++) {
      float[] values = new float[500];
      for (int i = 0; i < values.length; i++) {
        values[i] = i % 3 == 0 ? 0f : (float) rng.nextGaussian();
      }
      kept.raise(floor);
      kept.addAll(values);
      all = concat(all, values);
      // The floor rises with the data, as a proven floor does.
      floor = Math.max(floor, JointHistogram.ordinal(0.02f * batch));
    }
    kept.raise(floor);
    long low = JointHistogram.ordinal(0.5f);
    long high = JointHistogram.ordinal(2f);
    assertTrue(kept.complete(low, high));
    BucketValues got = new BucketValues();
    kept.copyRange(low, high, got);
    BucketValues expected = new BucketValues();
    for (float v : all) {
      long o = JointHistogram.ordinal(v);
      if (o >= low && o <= high) {
        expected.add(v, 0);
      }
    }
    assertTrue(expected.distinct(1).values().length > 100);
    assertTrue(Arrays.equals(expected.distinct(1).values(), got.distinct(1).values()));
    assertTrue(Arrays.deepEquals(expected.distinct(1).counts(), got.distinct(1).counts()));
    float limit = JointHistogram.above(floor - 1);
    long above = 0;
    for (float v : all) {
      above += v >= limit ? 1 : 0;
    }
    assertEquals(above, kept.size(), "only the values at or above the floor are kept");

    // A range below the floor, or one holding the exact zeros, is not all there.
    assertFalse(kept.complete(JointHistogram.ordinal(0.01f), high));
    assertFalse(kept.complete(JointHistogram.ordinal(-1f), high));
  }

  @Test
  void givesUpPastItsCapacity() {
    AboveFloor kept = new AboveFloor(100);
    float[] values = new float[60];
    Arrays.fill(values, 1f);
    kept.addAll(values);
    assertTrue(kept.complete(JointHistogram.ordinal(1f), JointHistogram.ordinal(1f)));
    kept.addAll(values);
    assertFalse(kept.complete(JointHistogram.ordinal(1f), JointHistogram.ordinal(1f)));
    assertEquals(0, kept.size(), "given up: nothing held");
    kept.raise(JointHistogram.ordinal(0.5f));
    kept.addAll(values);
    assertEquals(0, kept.size(), "given up for good");
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
