package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dataset-threshold measures fed as the executor feeds them: one {@link UnitBatch} per unit and
 * batch shared by several hypotheses (its bucket ordinals, histogram and second-pass positions are
 * computed once), batches spread over merged partial accumulators. Each pair's exact score must
 * equal the sort-based reference of {@link MeasureReferenceTest}, and the one-pass interval must
 * hold it.
 */
class SharedUnitBatchTest {
  static final int HYPOTHESES = 3;

  @Test
  void sharedUnitBatchesGiveEachHypothesisItsReferenceScore() {
    float[] values = MeasureReferenceTest.fixture(5)[0];
    float[][] masks = new float[HYPOTHESES][];
    Random rng = new Random(9);
    for (int h = 0; h < HYPOTHESES; h++) {
      masks[h] = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        // Hypotheses of different density, one of them dense, all overlapping the unit's peaks.
        masks[h][i] = rng.nextDouble() < 0.02 + 0.3 * h ? 1 : 0;
      }
    }
    for (String name : new String[] {"iou", "precision", "recall", "f1", "mutual_info"}) {
      Measure measure = Measure.valueOf(name.toUpperCase(java.util.Locale.ROOT));
      for (double q : new double[] {0.5, 0.9, 0.995}) {
        Accumulator[][] exact = run(measure, q, true, values, masks);
        Accumulator[][] onePass = run(measure, q, false, values, masks);
        for (int h = 0; h < HYPOTHESES; h++) {
          double expected = MeasureReferenceTest.reference(name, values, masks[h], q);
          String where = name + " q=" + q + " hypothesis " + h;
          Score score = exact[h][0].result();
          assertEquals(score.ciLow(), score.ciHigh(), where);
          assertEquals(expected, score.value(), 1e-12, where);
          Score interval = onePass[h][0].result();
          assertTrue(
              interval.ciLow() - 1e-12 <= expected && expected <= interval.ciHigh() + 1e-12,
              where + ": " + interval);
        }
      }
    }
  }

  /** Returns per hypothesis the partial accumulators, merged into the first. */
  private static Accumulator[][] run(
      Measure measure, double q, boolean exact, float[] values, float[][] masks) {
    int parts = 2;
    int batch = 17;
    int symbols = MeasureReferenceTest.SYMBOLS;
    int records = MeasureReferenceTest.RECORDS;
    Accumulator[][] partial = new Accumulator[HYPOTHESES][parts];
    for (int h = 0; h < HYPOTHESES; h++) {
      for (int p = 0; p < parts; p++) {
        partial[h][p] = measure.create(q, exact, false);
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      for (int from = 0, b = 0; from < records; from += batch, b++) {
        int n = Math.min(batch, records - from);
        FloatBuffer unitValues = FloatBuffer.wrap(values, from * symbols, n * symbols).slice();
        UnitBatch unit = new UnitBatch(unitValues, n, symbols, Double.NaN);
        for (int h = 0; h < HYPOTHESES; h++) {
          FloatBuffer mask = FloatBuffer.wrap(masks[h], from * symbols, n * symbols).slice();
          partial[h][b % parts].add(unit, mask, SharedStats.Hypothesis.of(mask, n, symbols));
        }
      }
      boolean again = false;
      for (int h = 0; h < HYPOTHESES; h++) {
        for (int p = 1; p < parts; p++) {
          partial[h][0].merge(partial[h][p]);
          partial[h][p] = measure.create(q, exact, false);
        }
        again |= pass == 0 && partial[h][0].wantsAnotherPass();
      }
      if (!again) {
        break;
      }
      for (int h = 0; h < HYPOTHESES; h++) {
        partial[h][0].startPass();
        for (int p = 1; p < parts; p++) {
          // Partial states of the second pass start from the first pass' merged state.
          partial[h][p] = RawThresholdTest.copy(partial[h][0]);
        }
      }
    }
    return partial;
  }
}
