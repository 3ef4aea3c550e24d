package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.deepbase.engine.extract.BilinearResize;
import org.junit.jupiter.api.Test;

/**
 * NetDissect-Lite's convention over values resized on demand ({@link UnitBatch#crossing}): only the
 * resized values near and above the threshold are computed. Checked against a reference that
 * resizes everything (sort the raw values for the threshold, count every resized value), and
 * against the path that is handed all resized values, on grids of several shapes (upsampling,
 * downsampling, 1-D) and value distributions (ReLU zeros, signed, heavy ties).
 */
class ResizeOnDemandTest {
  private enum Values {
    RELU,
    SIGNED,
    TIES,
    /** Exact zeros but for one negative cell per record. */
    NEGATIVE_BLOB
  }

  /** {raw, resized, mask}, records x symbols each. */
  private static float[][] fixture(
      long seed, int records, int h, int w, int oh, int ow, Values kind) {
    Random rng = new Random(seed);
    BilinearResize plan = new BilinearResize(h, w, oh, ow);
    float[] raw = new float[records * h * w];
    float[] resized = new float[records * oh * ow];
    float[] mask = new float[records * oh * ow];
    for (int r = 0; r < records; r++) {
      int cy = rng.nextInt(h);
      int cx = rng.nextInt(w);
      for (int s = 0; s < h * w; s++) {
        double v = (s / w == cy && s % w == cx ? 2 : 0) + rng.nextGaussian();
        raw[r * h * w + s] =
            switch (kind) {
              case RELU -> (float) Math.max(v, 0);
              case SIGNED -> (float) (v * 1e-3);
              case TIES -> Math.round(v * 2) / 2f;
              case NEGATIVE_BLOB -> s / w == cy && s % w == cx ? (float) -(1 + Math.abs(v)) : 0f;
            };
      }
      plan.resize(raw, r * h * w, resized, r * oh * ow, plan.newScratch());
      for (int s = 0; s < oh * ow; s++) {
        int y = s / ow * h / oh;
        int x = s % ow * w / ow;
        mask[r * oh * ow + s] = Math.abs(y - cy) <= 1 && Math.abs(x - cx) <= 1 ? 1 : 0;
      }
    }
    return new float[][] {raw, resized, mask};
  }

  /** IoU with the threshold from the raw values (NetDissect-Lite) or from the resized ones. */
  static double reference(float[][] data, double q, boolean raw) {
    double t = MeasureReferenceTest.threshold(raw ? data[0] : data[1], q);
    double inter = 0;
    double union = 0;
    for (int i = 0; i < data[1].length; i++) {
      boolean fire = data[1][i] > t;
      boolean on = data[2][i] == 1;
      inter += fire && on ? 1 : 0;
      union += fire || on ? 1 : 0;
    }
    return inter / union;
  }

  /** Runs both passes in batches, parts merged as shards merge; on demand or handed everything. */
  private static Score run(
      float[][] data,
      BilinearResize plan,
      double q,
      int batch,
      int parts,
      boolean onDemand,
      boolean rawThreshold) {
    return run(data, plan, q, true, batch, parts, onDemand, rawThreshold, 0).result();
  }

  /**
   * Feeds {data[0] raw, data[1] resized, data[2] mask} in batches into {@code parts} accumulators,
   * merged as shards merge (each second-pass part starts from a copy of the merged first pass),
   * told the dataset's size ({@code recordsAtMost}; 0: not told).
   */
  static Accumulator run(
      float[][] data,
      BilinearResize plan,
      double q,
      boolean exact,
      int batch,
      int parts,
      boolean onDemand,
      boolean rawThreshold,
      long recordsAtMost) {
    int raw = plan.sourceSymbols();
    int symbols = plan.symbols();
    int records = data[0].length / raw;
    Accumulator[] partial = new Accumulator[parts];
    for (int p = 0; p < parts; p++) {
      partial[p] = Measure.IOU.create(q, exact, rawThreshold);
      if (recordsAtMost > 0) {
        partial[p].expectRecordsAtMost(recordsAtMost);
      }
    }
    for (int pass = 0; ; pass++) {
      for (int from = 0, b = 0; from < records; from += batch, b++) {
        int n = Math.min(batch, records - from);
        FloatBuffer own = FloatBuffer.wrap(data[0], from * raw, n * raw).slice();
        FloatBuffer values = FloatBuffer.wrap(data[1], from * symbols, n * symbols).slice();
        FloatBuffer mask = FloatBuffer.wrap(data[2], from * symbols, n * symbols).slice();
        UnitBatch unit =
            onDemand
                ? new UnitBatch(own, n, Double.NaN, plan)
                : new UnitBatch(values, n, symbols, Double.NaN, own, raw);
        partial[b % parts].add(unit, mask, SharedStats.Hypothesis.of(mask, n, symbols));
      }
      for (int p = 1; p < parts; p++) {
        partial[0].merge(partial[p]);
      }
      if (!partial[0].wantsAnotherPass()) {
        break;
      }
      // Pass two finds an exact threshold; on demand, pass three counts above it.
      assertTrue(pass < 2, "at most three passes");
      partial[0].startPass();
      for (int p = 1; p < parts; p++) {
        partial[p] = RawThresholdTest.copy(partial[0]);
      }
    }
    return partial[0];
  }

  @Test
  void onDemandScoresAreTheReferenceOnEveryShape() {
    int[][] shapes = {{4, 4, 12, 12}, {7, 7, 112, 112}, {6, 5, 4, 3}, {1, 9, 1, 40}};
    long seed = 1;
    for (int[] s : shapes) {
      BilinearResize plan = new BilinearResize(s[0], s[1], s[2], s[3]);
      for (Values kind : Values.values()) {
        float[][] data = fixture(seed++, 40, s[0], s[1], s[2], s[3], kind);
        // Also the quantile whose rank is the last exact zero, the next rank positive.
        long zeros = 0;
        for (float v : data[0]) {
          zeros += v == 0f ? 1 : 0;
        }
        double edge = (zeros - 1 + 0.5) / (data[0].length - 1);
        for (double q : new double[] {0.995, 0.9, 0.5, 0.2, edge}) {
          if (q <= 0 || q >= 1) {
            continue;
          }
          for (boolean raw : new boolean[] {true, false}) {
            String what = java.util.Arrays.toString(s) + " " + kind + " q " + q + " raw " + raw;
            double expected = reference(data, q, raw);
            Score handed = run(data, plan, q, 7, 1, false, raw);
            assertEquals(expected, handed.value(), 1e-12, what);
            for (int parts : new int[] {1, 3}) {
              Score lazy = run(data, plan, q, 7, parts, true, raw);
              assertEquals(expected, lazy.value(), 1e-12, what + " parts " + parts);
              assertEquals(handed.value(), lazy.value(), 0, what);
              assertEquals(lazy.value(), lazy.ciHigh(), 0, "exact");
              // Told the dataset's size (exactly, or a loose upper bound), pass one may prove a
              // floor under the threshold and lump the values below it: same exact score.
              for (long most : new long[] {40, 41, 400}) {
                Score floored = run(data, plan, q, true, 7, parts, true, raw, most).result();
                assertEquals(expected, floored.value(), 1e-12, what + " at most " + most);
              }
            }
          }
        }
      }
    }
  }

  /**
   * corr over values resized on demand is computed on the layers' own grids (Gram matrices and the
   * annotations' adjoint): it must equal corr over the resized values, for binary and graded
   * annotations, on every shape.
   */
  @Test
  void corrOnTheOwnGridIsCorrOverTheResizedValues() {
    int[][] shapes = {{4, 4, 12, 12}, {7, 7, 112, 112}, {6, 5, 4, 3}, {1, 9, 1, 40}};
    long seed = 100;
    int complements = 0;
    for (int[] s : shapes) {
      BilinearResize plan = new BilinearResize(s[0], s[1], s[2], s[3]);
      for (Values kind : Values.values()) {
        float[][] data = fixture(seed++, 30, s[0], s[1], s[2], s[3], kind);
        float[] graded = data[2].clone();
        Random rng = new Random(seed);
        for (int i = 0; i < graded.length; i++) {
          graded[i] = graded[i] * 3 + (float) rng.nextGaussian();
        }
        float[] complement = data[2].clone();
        for (int i = 0; i < complement.length; i++) {
          complement[i] = 1 - complement[i];
        }
        // A sparse mask, its dense complement (kept as R^T (1 - a)) and graded values.
        for (float[] annotation : new float[][] {data[2], complement, graded}) {
          CorrelationAccumulator reference = new CorrelationAccumulator();
          for (int i = 0; i < data[1].length; i++) {
            reference.add(data[1][i], annotation[i]);
          }
          CorrelationAccumulator lazy = new CorrelationAccumulator();
          int raw = plan.sourceSymbols();
          int symbols = plan.symbols();
          for (int from = 0; from < 30; from += 7) {
            int n = Math.min(7, 30 - from);
            FloatBuffer own = FloatBuffer.wrap(data[0], from * raw, n * raw).slice();
            FloatBuffer a = FloatBuffer.wrap(annotation, from * symbols, n * symbols).slice();
            UnitBatch unit = new UnitBatch(own, n, Double.NaN, plan);
            SharedStats.Hypothesis hypothesis = SharedStats.Hypothesis.of(a, n, symbols);
            lazy.add(unit, a, hypothesis);
            assertEquals(0, unit.resizedCount(), "nothing resized");
            complements += hypothesis.adjoint(plan, a, n).complement() ? 1 : 0;
          }
          String what = java.util.Arrays.toString(s) + " " + kind;
          // Exact arithmetic vs sums of float32-rounded resized values: equal to float precision.
          assertEquals(reference.correlation(), lazy.correlation(), 1e-7, what);
        }
      }
    }
    assertTrue(complements > 0, "dense masks are kept as their complement");
  }

  /**
   * The threshold's rank is the negative value nearest zero and the next rank an exact zero (the
   * next bucket up is the zeros', which pass two does not collect): both conventions still exact.
   */
  @Test
  void aThresholdJustBelowTheZerosIsExact() {
    BilinearResize plan = new BilinearResize(4, 4, 12, 12);
    float[][] data = fixture(77, 40, 4, 4, 12, 12, Values.NEGATIVE_BLOB);
    for (boolean raw : new boolean[] {true, false}) {
      float[] values = raw ? data[0] : data[1];
      long negative = 0;
      for (float v : values) {
        negative += v < 0 ? 1 : 0;
      }
      double q = (negative - 1 + 0.5) / (values.length - 1);
      double expected = reference(data, q, raw);
      assertEquals(expected, run(data, plan, q, 7, 1, false, raw).value(), 1e-12, "handed");
      for (int parts : new int[] {1, 3}) {
        assertEquals(
            expected, run(data, plan, q, 7, parts, true, raw).value(), 1e-12, "raw " + raw);
      }
    }
  }

  @Test
  void onlyTheCellsNearTheThresholdAreComputed() {
    BilinearResize plan = new BilinearResize(7, 7, 112, 112);
    float[][] data = fixture(9, 20, 7, 7, 112, 112, Values.RELU);
    Accumulator iou = Measure.IOU.create(0.995, true, true);
    FloatBuffer own = FloatBuffer.wrap(data[0]);
    FloatBuffer mask = FloatBuffer.wrap(data[2]);
    SharedStats.Hypothesis h = SharedStats.Hypothesis.of(mask, 20, plan.symbols());
    iou.add(new UnitBatch(own, 20, Double.NaN, plan), mask, h);
    assertTrue(iou.wantsAnotherPass());
    iou.startPass();
    UnitBatch rawOnly = new UnitBatch(own, 20, Double.NaN, plan);
    iou.add(rawOnly, mask, h);
    assertEquals(0, rawOnly.resizedCount(), "pass two looks at the raw values only");
    assertTrue(iou.wantsAnotherPass());
    iou.startPass();
    UnitBatch unit = new UnitBatch(own, 20, Double.NaN, plan);
    iou.add(unit, mask, h);
    // The 0.995 quantile: about 0.5 % of the raw values lie above it, and a few blocks around them.
    long computed = unit.resizedCount();
    assertTrue(
        computed > 0 && computed < 0.05 * data[1].length, computed + " of " + data[1].length);
    assertEquals(reference(data, 0.995, true), iou.result().value(), 1e-12);
  }

  /**
   * Told the dataset's size, DeepBase's convention stops resizing, in pass one, the blocks that
   * cannot reach a floor already proven to lie under the threshold: most of the resizing is gone,
   * the score is the same, and a dataset larger than promised fails rather than scoring wrong.
   */
  @Test
  void aProvenFloorSkipsMostOfPassOnesResizing() {
    BilinearResize plan = new BilinearResize(7, 7, 112, 112);
    int records = 120;
    float[][] data = fixture(5, records, 7, 7, 112, 112, Values.RELU);
    long[] resized = new long[2];
    for (int told = 0; told < 2; told++) {
      Accumulator iou = Measure.IOU.create(0.995, true, false);
      if (told == 1) {
        iou.expectRecordsAtMost(records);
      }
      for (int from = 0; from < records; from += 5) {
        UnitBatch unit = onDemandBatch(data, plan, from, 5);
        iou.add(unit, maskOf(data, plan, from, 5), hypothesisOf(data, plan, from, 5));
        resized[told] += unit.resizedCount();
      }
      assertTrue(iou.wantsAnotherPass());
      // Pass two fixes the threshold, pass three counts above it.
      for (int pass = 2; iou.wantsAnotherPass(); pass++) {
        assertTrue(pass <= 3, "at most three passes");
        iou.startPass();
        for (int from = 0; from < records; from += 5) {
          iou.add(
              onDemandBatch(data, plan, from, 5),
              maskOf(data, plan, from, 5),
              hypothesisOf(data, plan, from, 5));
        }
      }
      assertEquals(reference(data, 0.995, false), iou.result().value(), 1e-12, "told " + told);
    }
    long cells = (long) records * plan.symbols();
    assertEquals(cells, resized[0], "without the dataset's size every value is resized");
    assertTrue(resized[1] < 0.25 * cells, resized[1] + " of " + cells + " resized");

    // A floor proven for a smaller dataset than the one that came fails, in both conventions.
    for (boolean rawThreshold : new boolean[] {false, true}) {
      Accumulator promised = Measure.IOU.create(0.995, true, rawThreshold);
      promised.expectRecordsAtMost(20);
      for (int from = 0; from < records; from += 5) {
        promised.add(
            onDemandBatch(data, plan, from, 5),
            maskOf(data, plan, from, 5),
            hypothesisOf(data, plan, from, 5));
      }
      assertTrue(promised.wantsAnotherPass());
      IllegalStateException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalStateException.class, promised::startPass, "raw " + rawThreshold);
      assertTrue(e.getMessage().contains("proven"), e.getMessage());
    }
  }

  /**
   * In the raw convention pass one keeps the raw values at or above its proven floor while they fit
   * in half a batch: the threshold is then exact after pass one and pass two counts (two passes,
   * not three). When they do not fit, or the dataset's size is not told, three passes; the score is
   * the reference's either way, on every value distribution.
   */
  @Test
  void theRawThresholdIsExactAfterPassOneWhenItsRangeFits() {
    BilinearResize plan = new BilinearResize(7, 7, 56, 56);
    int records = 40;
    int batch = 10;
    long seed = 60;
    for (Values kind : Values.values()) {
      float[][] data = fixture(seed++, records, 7, 7, 56, 56, kind);
      for (double q : new double[] {0.995, 0.9, 0.5}) {
        for (long told : new long[] {0, records}) {
          Accumulator iou = Measure.IOU.create(q, true, true);
          if (told > 0) {
            iou.expectRecordsAtMost(told);
          }
          int passes = 1;
          for (; ; passes++) {
            for (int from = 0; from < records; from += batch) {
              iou.add(
                  onDemandBatch(data, plan, from, batch),
                  maskOf(data, plan, from, batch),
                  hypothesisOf(data, plan, from, batch));
            }
            if (!iou.wantsAnotherPass()) {
              break;
            }
            iou.startPass();
          }
          String what = kind + " q " + q + " told " + told;
          assertEquals(reference(data, q, true), iou.result().value(), 1e-12, what);
          // 1 - q of the values fit in half a batch at q = 0.995 and 0.9, not at 0.5.
          boolean fits = told > 0 && (1 - q) * records <= batch / 2.0;
          boolean zeroThreshold = MeasureReferenceTest.threshold(data[0], q) == 0;
          if (kind == Values.TIES && fits && !zeroThreshold) {
            // Ties fill the floor's bucket: what is kept may outgrow the batch, and is given up.
            assertTrue(passes == 2 || passes == 3, what);
          } else {
            assertEquals(zeroThreshold || fits ? 2 : 3, passes, what);
          }
        }
      }
    }
  }

  private static UnitBatch onDemandBatch(float[][] data, BilinearResize plan, int from, int n) {
    int raw = plan.sourceSymbols();
    return new UnitBatch(
        FloatBuffer.wrap(data[0], from * raw, n * raw).slice(), n, Double.NaN, plan);
  }

  private static FloatBuffer maskOf(float[][] data, BilinearResize plan, int from, int n) {
    int symbols = plan.symbols();
    return FloatBuffer.wrap(data[2], from * symbols, n * symbols).slice();
  }

  private static SharedStats.Hypothesis hypothesisOf(
      float[][] data, BilinearResize plan, int from, int n) {
    return SharedStats.Hypothesis.of(maskOf(data, plan, from, n), n, plan.symbols());
  }

  /**
   * The hypotheses of a unit share its histogram ({@link Accumulator#shareWith}): fed once per
   * batch, merged once per other group (two shards here, merged as a grid merges them), and every
   * hypothesis still gets its own exact score, in both conventions.
   */
  @Test
  void siblingsShareOneHistogramAndMergeOnce() {
    BilinearResize plan = new BilinearResize(7, 7, 56, 56);
    float[][] data = fixture(41, 30, 7, 7, 56, 56, Values.RELU);
    int symbols = plan.symbols();
    int raw = plan.sourceSymbols();
    // Three hypotheses: the mask, its complement, and the mask shifted by one record.
    float[][] masks = new float[3][];
    masks[0] = data[2];
    masks[1] = new float[data[2].length];
    masks[2] = new float[data[2].length];
    for (int i = 0; i < data[2].length; i++) {
      masks[1][i] = 1 - data[2][i];
      masks[2][i] = data[2][(i + symbols) % data[2].length];
    }
    for (boolean rawThreshold : new boolean[] {true, false}) {
      for (double q : new double[] {0.995, 0.9}) {
        List<List<Accumulator>> shards = new java.util.ArrayList<>();
        for (int shard = 0; shard < 2; shard++) {
          List<Accumulator> group = new java.util.ArrayList<>();
          for (int h = 0; h < 3; h++) {
            Accumulator a = Measure.IOU.create(q, true, rawThreshold);
            if (h > 0) {
              a.shareWith(group.get(0));
            }
            group.add(a);
          }
          shards.add(group);
        }
        List<Accumulator> merged = null;
        for (int pass = 0; ; pass++) {
          for (int from = 0, b = 0; from < 30; from += 6, b++) {
            int n = Math.min(6, 30 - from);
            FloatBuffer own = FloatBuffer.wrap(data[0], from * raw, n * raw).slice();
            UnitBatch unit = new UnitBatch(own, n, Double.NaN, plan);
            for (int h = 0; h < 3; h++) {
              FloatBuffer mask = FloatBuffer.wrap(masks[h], from * symbols, n * symbols).slice();
              shards.get(b % 2).get(h).add(unit, mask, SharedStats.Hypothesis.of(mask, n, symbols));
            }
          }
          merged = shards.get(0);
          for (int h = 0; h < 3; h++) {
            merged.get(h).merge(shards.get(1).get(h));
          }
          if (!merged.get(0).wantsAnotherPass()) {
            break;
          }
          assertTrue(pass < 2, "at most three passes");
          for (Accumulator a : merged) {
            assertTrue(a.wantsAnotherPass());
            a.startPass();
          }
          // Each shard's next pass starts from a copy of the merged group (one stream: the
          // copies share as the originals do).
          shards = List.of(copyGroup(merged), copyGroup(merged));
        }
        for (int h = 0; h < 3; h++) {
          float[][] one = {data[0], data[1], masks[h]};
          assertEquals(
              reference(one, q, rawThreshold),
              merged.get(h).result().value(),
              1e-12,
              "hypothesis " + h + " raw " + rawThreshold + " q " + q);
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Accumulator> copyGroup(List<Accumulator> group) {
    return (List<Accumulator>) RawThresholdTest.copyObject(new java.util.ArrayList<>(group));
  }

  /** Counting rows as they are resized gives the histogram of the resized values. */
  @Test
  void histogramOfResizedRowsIsTheResizedValuesHistogram() {
    int[][] shapes = {{4, 4, 12, 12}, {7, 7, 112, 112}, {6, 5, 4, 3}, {1, 9, 1, 40}};
    long seed = 300;
    for (int[] s : shapes) {
      BilinearResize plan = new BilinearResize(s[0], s[1], s[2], s[3]);
      for (Values kind : Values.values()) {
        float[][] data = fixture(seed++, 9, s[0], s[1], s[2], s[3], kind);
        long[] ordinals = new long[data[1].length];
        for (int i = 0; i < ordinals.length; i++) {
          ordinals[i] = JointHistogram.ordinal(data[1][i]);
        }
        List<String> expected = buckets(JointHistogram.ofOrdinals(ordinals));
        assertEquals(
            expected,
            buckets(JointHistogram.ofResized(data[0], 9, plan)),
            java.util.Arrays.toString(s) + " " + kind);
      }
    }
  }

  private static List<String> buckets(JointHistogram h) {
    List<String> out = new java.util.ArrayList<>();
    h.forEachAscending((ordinal, counts) -> out.add(ordinal + ":" + counts[0]));
    return out;
  }

  @Test
  void aboveIsTheLeastValueOfTheNextBucket() {
    Random rng = new Random(3);
    float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, 1e-30f, -1e30f};
    for (int i = 0; i < 20000; i++) {
      float v =
          i < special.length
              ? special[i]
              : (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(40) - 20));
      long o = JointHistogram.ordinal(v);
      for (long d = -2; d <= 2; d++) {
        long b = o + d;
        assertEquals(
            JointHistogram.ordinal(v) > b, v >= JointHistogram.above(b), v + " vs bucket " + b);
      }
      float limit = JointHistogram.above(o);
      assertTrue(JointHistogram.ordinal(limit) > o, "above(" + o + ") = " + limit);
      assertEquals(o, JointHistogram.ordinal(Math.nextDown(limit)), "just below " + limit);
    }
  }
}
