package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.extract.BilinearResize;
import org.deepbase.engine.plan.MeasureSpec;
import org.junit.jupiter.api.Test;

/**
 * NetDissect-Lite's resolution convention ({@code iou(q, raw)}): the threshold is the quantile of
 * the unit's values on its own 4 x 4 grid, applied to the values resized to the 12 x 12 mask grid.
 * Checked against a plain reference (sort the raw values, count the resized ones).
 */
class RawThresholdTest {
  static final int RECORDS = 90;
  static final int RAW = 16;
  static final int RESIZED = 144;

  /** {raw, resized, mask}: a unit that responds to a blob, with ReLU zeros. */
  static float[][] fixture(long seed) {
    Random rng = new Random(seed);
    float[] raw = new float[RECORDS * RAW];
    float[] resized = new float[RECORDS * RESIZED];
    float[] mask = new float[RECORDS * RESIZED];
    float[] one = new float[RESIZED];
    for (int r = 0; r < RECORDS; r++) {
      int cy = rng.nextInt(4);
      int cx = rng.nextInt(4);
      for (int s = 0; s < RAW; s++) {
        double v = (s / 4 == cy && s % 4 == cx ? 2 : 0) + rng.nextGaussian();
        raw[r * RAW + s] = (float) Math.max(v, 0);
      }
      BilinearResize.resize(raw, r * RAW, 4, 4, one, 12, 12);
      System.arraycopy(one, 0, resized, r * RESIZED, RESIZED);
      for (int s = 0; s < RESIZED; s++) {
        mask[r * RESIZED + s] = (s / 12) / 3 == cy && (s % 12) / 3 == cx ? 1 : 0;
      }
    }
    return new float[][] {raw, resized, mask};
  }

  static double reference(float[][] data, double q) {
    return ResizeOnDemandTest.reference(data, q, true);
  }

  /** Feeds the data in batches of {@code batch} records into {@code parts} merged accumulators. */
  static Accumulator run(float[][] data, double q, boolean exact, int batch, int parts) {
    return ResizeOnDemandTest.run(
        data, new BilinearResize(4, 4, 12, 12), q, exact, batch, parts, false, true, 0);
  }

  static Accumulator copy(Accumulator a) {
    return (Accumulator) copyObject(a);
  }

  /** Deep-copies a serializable object graph in one stream (shared references stay shared). */
  static Object copyObject(Object a) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(a);
      }
      try (java.io.ObjectInputStream in =
          new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        return in.readObject();
      }
    } catch (java.io.IOException | ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void exactScoreIsTheReferenceAndOnePassHoldsIt() {
    float[][] data = fixture(5);
    for (double q : new double[] {0.995, 0.95, 0.8, 0.3}) {
      double expected = reference(data, q);
      for (int batch : new int[] {1, 7, RECORDS}) {
        for (int parts : new int[] {1, 3}) {
          Score exact = run(data, q, true, batch, parts).result();
          assertEquals(expected, exact.value(), 1e-12, "q " + q + " batch " + batch);
          assertEquals(exact.value(), exact.ciHigh(), 0, "exact");
        }
      }
      Score sketch = run(data, q, false, 7, 1).result();
      assertTrue(
          sketch.ciLow() <= expected + 1e-12 && expected <= sketch.ciHigh() + 1e-12,
          "one-pass interval " + sketch + " holds " + expected + " at q " + q);
    }
    // The conventions differ: the resized values' own quantile gives another score.
    Accumulator own = Measure.IOU.create(0.995, true, false);
    own.add(FloatBuffer.wrap(data[1]), FloatBuffer.wrap(data[2]), RECORDS, RESIZED);
    own.startPass();
    own.add(FloatBuffer.wrap(data[1]), FloatBuffer.wrap(data[2]), RECORDS, RESIZED);
    assertTrue(
        Math.abs(own.result().value() - reference(data, 0.995)) > 1e-3,
        own.result() + " vs " + reference(data, 0.995));
  }

  @Test
  void aThresholdAmongReluZerosIsExactInOnePass() {
    float[][] data = fixture(6);
    // Over a third of the raw values are exact zeros: the 0.3 quantile is 0.
    Accumulator iou = run(data, 0.3, true, 10, 1);
    assertFalse(Measure.IOU.create(0.3, true, true).wantsAnotherPass());
    assertEquals(reference(data, 0.3), iou.result().value(), 1e-12);
  }

  @Test
  void theSpecNamesTheConvention() {
    MeasureSpec raw = MeasureSpec.parse("IOU(0.995, raw)");
    assertTrue(raw.rawThreshold());
    assertEquals("iou(0.995, raw)", raw.format());
    assertFalse(MeasureSpec.parse("iou(0.995)").rawThreshold());
    assertEquals(2, org.deepbase.engine.plan.MeasureSpec.parseList("iou(0.99, raw), corr").size());
    DeepBaseException word =
        assertThrows(DeepBaseException.class, () -> MeasureSpec.parse("iou(0.99, bilinear)"));
    assertTrue(word.getMessage().contains("name(quantile, raw)"), word.getMessage());
    DeepBaseException local =
        assertThrows(DeepBaseException.class, () -> MeasureSpec.parse("local_iou(0.99, raw)"));
    assertTrue(local.getMessage().contains("dataset-wide threshold"), local.getMessage());
  }
}
