package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-pass unit statistics against their definitions, computed the slow way. */
class SharedStatsTest {
  /**
   * A batch's binary hypotheses indexed together count any positions as their own masks do, one bit
   * each for the first 64; a graded hypothesis and those past 64 are left as they were.
   */
  @Test
  void onSetsCountEachBinaryHypothesisAsItsMaskDoes() {
    Random rng = new Random(7);
    int records = 5;
    int symbols = 37;
    int n = records * symbols;
    SharedStats.Hypothesis[] hypotheses = new SharedStats.Hypothesis[70];
    for (int h = 0; h < hypotheses.length; h++) {
      double density = rng.nextDouble();
      float[] a = new float[n];
      for (int i = 0; i < n; i++) {
        a[i] = rng.nextDouble() < density ? 1f : 0f;
      }
      if (h == 3) {
        a[rng.nextInt(n)] = 0.25f; // graded: not indexed
      }
      hypotheses[h] = SharedStats.Hypothesis.of(FloatBuffer.wrap(a), records, symbols);
    }
    // A reused array, longer than the batch and holding an earlier batch's bits: all cleared.
    long[] reused = new long[n + 11];
    Arrays.fill(reused, -1L);
    SharedStats.Hypothesis[] indexed =
        SharedStats.OnSets.index(hypotheses, records, symbols, reused);
    int[] positions = rng.ints(400, 0, n).toArray(); // repeats count twice, as they would
    int bits = 0;
    for (int h = 0; h < hypotheses.length; h++) {
      SharedStats.Hypothesis one = indexed[h];
      if (h == 3 || h > 64) {
        assertEquals(null, one.onSets(), "hypothesis " + h);
        continue;
      }
      assertEquals(bits++, one.bit(), "hypothesis " + h);
      int expected = 0;
      for (int p : positions) {
        expected += hypotheses[h].isOn(p) ? 1 : 0;
      }
      assertEquals(expected, one.onSets().count(positions)[one.bit()], "hypothesis " + h);
    }
    assertEquals(64, bits);
    assertThrows(
        IllegalArgumentException.class,
        () -> SharedStats.OnSets.index(hypotheses, records, symbols, new long[n - 1]));
  }

  @Test
  void hypothesisStatisticsEqualTheirDefinitions() {
    Random rng = new Random(12);
    for (int trial = 0; trial < 60; trial++) {
      int records = 1 + rng.nextInt(20);
      int symbols = 1 + rng.nextInt(200);
      double density = rng.nextDouble();
      float[] a = new float[records * symbols];
      for (int i = 0; i < a.length; i++) {
        a[i] = rng.nextDouble() < density ? 1f : 0f;
      }
      if (trial % 4 == 3) {
        a[rng.nextInt(a.length)] = 0.5f; // not a mask
      }
      FloatBuffer buffer = FloatBuffer.allocate(a.length + 3).position(3);
      buffer.put(a).position(3);
      SharedStats.Hypothesis h = SharedStats.Hypothesis.of(buffer.slice(), records, symbols);
      double mean = 0;
      for (float v : a) {
        mean += v;
      }
      mean /= a.length;
      double m2 = 0;
      for (float v : a) {
        m2 += (v - mean) * (v - mean);
      }
      assertEquals(mean, h.mean(), 1e-12);
      assertEquals(m2, h.m2(), 1e-9 * Math.max(1, m2));
      assertEquals(trial % 4 != 3, h.binary());
      if (!h.binary()) {
        continue;
      }
      int k = 0;
      for (int r = 0; r < records; r++) {
        assertEquals(k, h.onStart()[r], "record " + r);
        for (int s = 0; s < symbols; s++) {
          boolean on = a[r * symbols + s] == 1f;
          assertEquals(on, h.isOn(r * symbols + s));
          if (on) {
            assertEquals(s, h.on()[k++]);
          }
        }
      }
      assertEquals(k, h.onStart()[records]);
      assertEquals(k, h.on().length);
    }
  }

  @Test
  void unitStatisticsEqualTheirDefinitions() {
    Random rng = new Random(11);
    for (int trial = 0; trial < 60; trial++) {
      int records = 1 + rng.nextInt(40);
      int symbols = 1 + rng.nextInt(300);
      float[] values = new float[records * symbols];
      for (int i = 0; i < values.length; i++) {
        // ReLU-like (ties at 0), shifted so that the mean is far from 0 in some trials.
        values[i] = rng.nextInt(3) == 0 ? 0f : (float) (rng.nextGaussian() + trial % 3 * 50);
      }
      // A direct buffer view, as the engine reads Arrow vectors, positioned past a prefix.
      ByteBuffer bytes =
          ByteBuffer.allocateDirect((values.length + 5) * Float.BYTES)
              .order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer buffer = bytes.asFloatBuffer();
      buffer.position(5);
      buffer.put(values);
      buffer.position(5);
      for (double q : new double[] {0, 0.5, 0.9, 0.995, 0.999}) {
        SharedStats.Unit[] moments = new SharedStats.Unit[1];
        SharedStats.Firing firing =
            SharedStats.unitAndFiring(buffer, records, symbols, q, new float[symbols], moments);
        double[] thresholds = new double[records];
        int[] above = new int[records];
        for (int r = 0; r < records; r++) {
          float[] record = Arrays.copyOfRange(values, r * symbols, (r + 1) * symbols);
          float[] sorted = record.clone();
          Arrays.sort(sorted);
          thresholds[r] = Quantiles.ofSorted(sorted, symbols, q);
          for (float v : record) {
            above[r] += v > thresholds[r] ? 1 : 0;
          }
        }
        String where = "records=" + records + " symbols=" + symbols + " q=" + q;
        assertArrayEquals(thresholds, firing.thresholds(), 0.0, where);
        assertArrayEquals(above, firing.firing(), where);
        double mean = 0;
        for (float v : values) {
          mean += v;
        }
        mean /= values.length;
        double m2 = 0;
        for (float v : values) {
          m2 += (v - mean) * (v - mean);
        }
        assertEquals(values.length, moments[0].n(), where);
        assertEquals(mean, moments[0].mean(), 1e-12 * Math.max(1, Math.abs(mean)), where);
        assertEquals(m2, moments[0].m2(), 1e-10 * Math.max(1, m2), where);
        assertEquals(
            0, moments[0].centredSum(), 1e-9 * values.length * Math.max(1, Math.abs(mean)), where);
        assertEquals(5, buffer.position(), "the buffer's position is left alone");
      }
    }
  }
}
