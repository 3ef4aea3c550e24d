package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbeAccumulatorTest {
  static final int UNITS = 8;

  /** Samples where unit 2 carries the class (with noise) and the others are noise. */
  /**
   * Unit 2 separates the classes by 4 standard deviations: Bayes balanced accuracy is about 0.977.
   */
  static ProbeAccumulator probe(
      ProbeAccumulator.Settings settings, int n, int classes, boolean randomLabels, long seed) {
    Random rng = new Random(seed);
    float[][] columns = new float[UNITS][n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      int label = rng.nextDouble() < 0.1 ? 1 + rng.nextInt(classes - 1) : 0; // rare positives
      labels[i] = randomLabels ? (rng.nextDouble() < 0.1 ? 1 : 0) : label;
      for (int u = 0; u < UNITS; u++) {
        columns[u][i] = (float) rng.nextGaussian() + (u == 2 ? 4 * label : 0);
      }
    }
    ProbeAccumulator acc = new ProbeAccumulator(settings, UNITS);
    FloatBuffer[] values = new FloatBuffer[UNITS];
    for (int u = 0; u < UNITS; u++) {
      values[u] = FloatBuffer.wrap(columns[u]);
    }
    acc.add(values, FloatBuffer.wrap(labels), n, 1);
    return acc;
  }

  @Test
  void informativeUnitIsFoundAndScoredHigh() {
    ProbeAccumulator.Result r =
        probe(ProbeAccumulator.Settings.defaults(), 3000, 2, false, 1).result();
    assertTrue(r.accuracy() > 0.95, "balanced accuracy " + r.accuracy());
    assertTrue(r.f1() > 0.9, "macro F1 " + r.f1());
    for (int u = 0; u < UNITS; u++) {
      if (u != 2) {
        assertTrue(r.importance()[2] > 3 * r.importance()[u], "unit 2 dominates unit " + u);
      }
    }
    assertFalse(r.subsampled());
  }

  @Test
  void randomLabelsScoreNearChance() {
    ProbeAccumulator.Result r =
        probe(ProbeAccumulator.Settings.defaults(), 3000, 2, true, 2).result();
    assertEquals(0.5, r.accuracy(), 0.06, "balanced accuracy of a control task");
  }

  @Test
  void multiClassL1AndSubsampling() {
    ProbeAccumulator.Settings l1 = new ProbeAccumulator.Settings("l1", 0.02, 3, 7, 1000);
    ProbeAccumulator.Result r = probe(l1, 4000, 3, false, 3).result();
    assertEquals(3, r.classes());
    assertTrue(
        r.subsampled() && r.samples() == 1000 && r.seen() == 4000, "reservoir capped the samples");
    assertTrue(r.accuracy() > 0.8, "three classes separated by one unit: " + r.accuracy());
    int zeroed = 0;
    for (int u = 0; u < UNITS; u++) {
      zeroed += u != 2 && r.importance()[u] < 1e-6 ? 1 : 0;
    }
    assertTrue(
        zeroed >= 4,
        "the lasso drops most noise units: " + java.util.Arrays.toString(r.importance()));
  }

  @Test
  void seededResultsRepeat() {
    ProbeAccumulator.Settings s = new ProbeAccumulator.Settings("l2", 1e-3, 4, 11, 500);
    assertEquals(
        probe(s, 2000, 2, false, 5).result().accuracy(),
        probe(s, 2000, 2, false, 5).result().accuracy());
  }
}
