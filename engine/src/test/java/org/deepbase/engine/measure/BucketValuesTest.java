package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The second pass' collection: exact counts, and memory that stops growing with the dataset. */
class BucketValuesTest {

  /** Values of one histogram bucket: [1, 1 + 2^-9), i.e. the 2^14 floats after 1.0f. */
  private static float inOneBucket(Random random) {
    return Float.intBitsToFloat(Float.floatToRawIntBits(1f) + random.nextInt(1 << 14));
  }

  @Test
  void distinctCountsEqualAPlainCountOverManyMergedShards() {
    Random random = new Random(17);
    Map<Float, long[]> reference = new TreeMap<>();
    BucketValues merged = new BucketValues();
    for (int shard = 0; shard < 5; shard++) {
      BucketValues values = new BucketValues();
      for (int i = 0; i < 200_000; i++) {
        // Few distinct values, so pairs repeat and compaction sums them; negatives and zero too.
        float v = random.nextInt(10) == 0 ? -random.nextInt(50) / 8f : random.nextInt(300) / 16f;
        int c = random.nextInt(3);
        values.add(v, c);
        reference.computeIfAbsent(v == 0f ? 0f : v, x -> new long[3])[c]++;
      }
      // Shard classes are renumbered on merge, as annotation classes are.
      merged.merge(values, new int[] {0, 1, 2});
    }
    assertCounts(reference, merged.distinct(3), "merged shards");
  }

  /** Asserts that the distinct values and their per-class counts are the reference's. */
  private static void assertCounts(
      Map<Float, long[]> reference, BucketValues.Distinct d, String at) {
    assertEquals(reference.size(), d.values().length, at);
    int i = 0;
    for (Map.Entry<Float, long[]> e : reference.entrySet()) {
      assertEquals(e.getKey(), d.values()[i], at + ": value " + i);
      assertArrayEquals(e.getValue(), d.counts()[i], at + ": counts of " + e.getKey());
      i++;
    }
  }

  @Test
  void countsStayExactWhenReadBetweenAdds() {
    // Reading compacts a sorted prefix that later additions are merged into: runs of every size.
    Random random = new Random(23);
    Map<Float, long[]> reference = new TreeMap<>();
    BucketValues values = new BucketValues();
    for (int round = 0; round < 40; round++) {
      int n = random.nextInt(round % 3 == 0 ? 20 : 5_000);
      for (int i = 0; i < n; i++) {
        float v = inOneBucket(random);
        int c = random.nextInt(2);
        values.add(v, c);
        reference.computeIfAbsent(v, x -> new long[2])[c]++;
      }
      assertCounts(reference, values.distinct(2), "round " + round);
    }
  }

  @Test
  void classesAreRemappedOnMerge() {
    BucketValues a = new BucketValues();
    a.add(2f, 0);
    a.add(2f, 1);
    a.add(2f, 1);
    BucketValues b = new BucketValues();
    b.merge(a, new int[] {1, 0});
    BucketValues.Distinct d = b.distinct(2);
    assertArrayEquals(new float[] {2f}, d.values());
    assertArrayEquals(new long[] {2, 1}, d.counts()[0]);
  }

  @Test
  void memoryIsBoundedByTheBucketsFloatsNotByTheValuesAdded() {
    int[] capacities = new int[3];
    long[] sizes = {100_000, 1_000_000, 10_000_000};
    for (int run = 0; run < sizes.length; run++) {
      Random random = new Random(3);
      BucketValues values = new BucketValues();
      for (long i = 0; i < sizes[run]; i++) {
        values.add(inOneBucket(random), random.nextInt(2));
      }
      capacities[run] = values.capacity();
      BucketValues.Distinct d = values.distinct(2);
      long total = 0;
      for (long[] c : d.counts()) {
        total += c[0] + c[1];
      }
      assertEquals(sizes[run], total, "every value counted");
      assertTrue(d.values().length <= 1 << 14, "one bucket holds at most 2^14 floats");
    }
    // 2^14 floats x 2 classes: at most 2^15 pairs, kept in at most twice that many longs.
    assertTrue(capacities[2] <= 1 << 16, "capacity " + capacities[2]);
    assertEquals(capacities[1], capacities[2], "10x more values, same memory");
  }

  @Test
  void aPairCountedMoreThanOneKeyHoldsIsSplitNotWrapped() {
    BucketValues values = new BucketValues();
    long n = (1L << 24) + 5;
    for (long i = 0; i < n; i++) {
      values.add(0.5f, 1);
    }
    BucketValues copy = new BucketValues();
    copy.merge(values, new int[] {0, 1});
    copy.merge(values, new int[] {0, 1});
    assertEquals(2 * n, copy.distinct(2).counts()[0][1]);
  }
}
