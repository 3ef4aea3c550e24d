package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deepbase.engine.DeepBaseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks every single-unit measure against a plain reference (sorting, counting, O(n^2) pair
 * counts) on data with a known answer, and checks that batching and merge order do not matter.
 */
class MeasureReferenceTest {
  static final int RECORDS = 120;
  static final int SYMBOLS = 35;
  static final int N = RECORDS * SYMBOLS;

  /** A unit that responds to the mask plus noise, with ties (ReLU zeros) and negatives mixed in. */
  static float[][] fixture(long seed) {
    Random rng = new Random(seed);
    float[] values = new float[N];
    float[] mask = new float[N];
    for (int i = 0; i < N; i++) {
      mask[i] = rng.nextDouble() < 0.03 ? 1 : 0;
      double v = mask[i] * 2 + rng.nextGaussian();
      values[i] =
          (float) (v < -0.5 ? 0 : v); // a block of exact zeros, as after ReLU, and negatives
    }
    return new float[][] {values, mask};
  }

  static double threshold(float[] values, double q) {
    float[] sorted = values.clone();
    Arrays.sort(sorted);
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    return sorted[lo]
        + (pos - lo) * ((double) sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
  }

  /** Returns {tp, fp, on, total} for the unit thresholded at the global quantile. */
  static double[] confusion(float[] values, float[] mask, double q) {
    double t = threshold(values, q);
    double tp = 0;
    double fp = 0;
    double on = 0;
    for (int i = 0; i < values.length; i++) {
      boolean fire = values[i] > t;
      tp += fire && mask[i] == 1 ? 1 : 0;
      fp += fire && mask[i] == 0 ? 1 : 0;
      on += mask[i];
    }
    return new double[] {tp, fp, on, values.length};
  }

  static double reference(String measure, float[] values, float[] mask, double q) {
    double[] c = confusion(values, mask, q);
    double tp = c[0];
    double fp = c[1];
    double on = c[2];
    double n = c[3];
    return switch (measure) {
      case "iou" -> tp / (on + fp);
      case "precision" -> tp + fp == 0 ? 0 : tp / (tp + fp);
      case "recall" -> tp / on;
      case "f1" -> 2 * tp / (tp + fp + on);
      case "mutual_info" -> {
        double[][] joint = {{n - on - fp, fp}, {on - tp, tp}}; // [annotation][fire]
        double mi = 0;
        for (int a = 0; a < 2; a++) {
          for (int f = 0; f < 2; f++) {
            double pa = (joint[a][0] + joint[a][1]) / n;
            double pf = (joint[0][f] + joint[1][f]) / n;
            double p = joint[a][f] / n;
            mi += p > 0 ? p * Math.log(p / (pa * pf)) / Math.log(2) : 0;
          }
        }
        yield mi;
      }
      case "auc" -> {
        double wins = 0;
        double pairs = 0;
        for (int i = 0; i < values.length; i++) {
          if (mask[i] == 1) {
            for (int j = 0; j < values.length; j++) {
              if (mask[j] == 0) {
                wins += values[i] > values[j] ? 1 : values[i] == values[j] ? 0.5 : 0;
                pairs++;
              }
            }
          }
        }
        yield wins / pairs;
      }
      default -> throw new IllegalArgumentException(measure);
    };
  }

  /**
   * Feeds the data in batches of {@code batch} records, split over {@code parts} merged
   * accumulators.
   */
  static Accumulator run(
      String measure, double q, boolean exact, float[] values, float[] mask, int batch, int parts) {
    List<Accumulator> partials = new ArrayList<>();
    for (int p = 0; p < parts; p++) {
      partials.add(Measures.create(measure, q, exact));
    }
    boolean again = true;
    for (int pass = 0; again; pass++) {
      for (int start = 0; start < RECORDS; start += batch) {
        int records = Math.min(batch, RECORDS - start);
        Accumulator target = partials.get((start / batch) % parts);
        target.add(
            FloatBuffer.wrap(values, start * SYMBOLS, records * SYMBOLS).slice(),
            FloatBuffer.wrap(mask, start * SYMBOLS, records * SYMBOLS).slice(),
            records,
            SYMBOLS);
      }
      if (pass == 0 && parts > 1) {
        // Merge the first pass, then let the merged accumulator do the second pass alone.
        Accumulator merged = partials.get(parts - 1);
        for (int p = parts - 2; p >= 0; p--) {
          merged.merge(partials.get(p));
        }
        partials = new ArrayList<>(List.of(merged));
        parts = 1;
      }
      again = partials.get(0).wantsAnotherPass();
      if (again) {
        partials.get(0).startPass();
      }
    }
    return partials.get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"iou", "precision", "recall", "f1", "mutual_info"})
  void thresholdMeasuresMatchTheReference(String measure) {
    float[][] data = fixture(1);
    for (double q : new double[] {0.995, 0.95, 0.5}) {
      double expected = reference(measure, data[0], data[1], q);
      Score exact = run(measure, q, true, data[0], data[1], 7, 1).result();
      assertEquals(expected, exact.value(), 1e-9, measure + " exact at q=" + q);
      assertEquals(exact.value(), exact.ciLow(), 0, "exact has a zero-width interval");
      Accumulator onePass = Measures.create(measure, q, true);
      onePass.add(FloatBuffer.wrap(data[0]), FloatBuffer.wrap(data[1]), RECORDS, SYMBOLS);
      assertTrue(
          onePass.wantsAnotherPass(), "a threshold inside a value bucket needs the second pass");
      Score sketch = run(measure, q, false, data[0], data[1], 7, 1).result();
      assertFalse(Measures.create(measure, q, false).wantsAnotherPass(), "sketch mode is one pass");
      assertTrue(
          sketch.ciLow() <= expected + 1e-12 && expected <= sketch.ciHigh() + 1e-12,
          measure + " one-pass interval " + sketch + " holds " + expected);
      assertEquals(expected, sketch.value(), 0.02, measure + " one-pass estimate");
    }
  }

  @Test
  void aucMatchesPairCountingWithTies() {
    float[][] data = fixture(2);
    double expected = reference("auc", data[0], data[1], 0);
    Score auc = run("auc", Double.NaN, false, data[0], data[1], 10, 1).result();
    assertTrue(auc.ciLow() <= expected && expected <= auc.ciHigh(), auc + " holds " + expected);
    assertEquals(expected, auc.value(), 1e-3);
    assertTrue(auc.value() > 0.8, "the planted response ranks annotated symbols high");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"iou", "local_iou", "corr", "precision", "recall", "f1", "mutual_info", "auc"})
  void batchingAndMergeOrderDoNotChangeTheScore(String measure) {
    float[][] data = fixture(3);
    double whole = run(measure, 0.99, true, data[0], data[1], RECORDS, 1).result().value();
    for (int batch : new int[] {1, 7, 64}) {
      for (int parts : new int[] {1, 2, 5}) {
        assertEquals(
            whole,
            run(measure, 0.99, true, data[0], data[1], batch, parts).result().value(),
            1e-9,
            measure + " batch " + batch + " parts " + parts);
      }
    }
  }

  @Test
  void netDissectThresholdIsOverAllImagesAndPositions() {
    // Two 2x2 "images". Globally the top quantile (q = 0.75 over 8 values) is 2.25, so only
    // image 1 fires (at 3 and 4); a per-image threshold would also fire in image 0.
    float[] values = {0, 1, 0, 2, /* image 1 */ 3, 0, 4, 0};
    float[] mask = {0, 1, 0, 1, /* image 1 */ 1, 0, 0, 0};
    Accumulator iou = Measures.create("iou", 0.75, true);
    Accumulator local = Measures.create("local_iou", 0.75, true);
    for (int image = 0; image < 2; image++) {
      FloatBuffer v = FloatBuffer.wrap(values, image * 4, 4).slice();
      FloatBuffer m = FloatBuffer.wrap(mask, image * 4, 4).slice();
      iou.add(v, m, 1, 4);
      local.add(v, m, 1, 4);
    }
    // T = sorted[5] + 0.25 (sorted[6] - sorted[5]) = 2 + 0.25 = 2.25: fire = {3, 4}; on = {1, 2,
    // 3}.
    assertEquals(1.0 / 4.0, iou.result().value(), 1e-12);
    // Per image: image 0 fires at 2 (T = 1.25), image 1 at 4 (T = 3.25): |∩| = 1, |∪| = 4.
    assertEquals(1.0 / 4.0, local.result().value(), 1e-12);
  }

  @Test
  void binaryMeasuresRejectContinuousAnnotations() {
    Accumulator iou = Measures.create("iou", Double.NaN, false);
    DeepBaseException e =
        assertThrows(
            DeepBaseException.class,
            () ->
                iou.add(
                    FloatBuffer.wrap(new float[] {1, 2}),
                    FloatBuffer.wrap(new float[] {0, 0.5f}),
                    1,
                    2));
    assertTrue(e.getMessage().contains("iou accepts binary annotations"), e.getMessage());
    // mutual_info takes any discrete annotation; corr any number.
    Accumulator mi = Measures.create("mutual_info", 0.5, true);
    mi.add(
        FloatBuffer.wrap(new float[] {1, 2, 3, 4}),
        FloatBuffer.wrap(new float[] {0, 0, 2, 2}),
        1,
        4);
    assertEquals(1.0, mi.result().value(), 1e-12, "firing decides the class exactly: 1 bit");
  }
}
