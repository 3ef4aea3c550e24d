package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.deepbase.engine.extract.BilinearResize;
import org.junit.jupiter.api.Test;

/**
 * A unit batch told where its values are 0 (a spill's sparse part read back) visits those cells
 * only, and answers exactly as when it scans every value: the same crossings, the same exact IoU,
 * through arrays reused from unit to unit.
 */
class ZeroOutsideTest {
  private static final int RECORDS = 12;

  /** Values as a spill keeps them: cells at or above {@code limit} and their neighbours, else 0. */
  private record Sparse(float[] values, long[] cells) {}

  private static Sparse sparse(int h, int w, float limit, long seed) {
    Random rng = new Random(seed);
    float[] all = new float[RECORDS * h * w];
    for (int i = 0; i < all.length; i++) {
      // ReLU-like: half zeros, a tail with a few large values.
      all[i] = (float) Math.max(0, rng.nextGaussian() * (1 + (i % 7 == 0 ? 2 : 0)));
    }
    return kept(all, h, w, limit);
  }

  private static Sparse kept(float[] all, int h, int w, float limit) {
    float[] kept = new float[all.length];
    long[] cells = new long[(all.length + 63) >>> 6];
    for (int r = 0; r < RECORDS; r++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          if (all[r * h * w + y * w + x] < limit) {
            continue;
          }
          for (int yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
              int c = r * h * w + yy * w + xx;
              kept[c] = all[c];
              cells[c >>> 6] |= 1L << c;
            }
          }
        }
      }
    }
    return new Sparse(kept, cells);
  }

  @Test
  void crossingsAreThoseOfTheDenseValues() {
    ZeroedArrays arrays = new ZeroedArrays();
    // Integer and fractional scales; several units through one thread's arrays.
    int[][] shapes = {{7, 7, 112, 112}, {14, 14, 112, 112}, {9, 11, 50, 40}};
    for (int[] s : shapes) {
      BilinearResize plan = new BilinearResize(s[0], s[1], s[2], s[3]);
      for (long seed = 1; seed <= 3; seed++) {
        float limit = 2.5f;
        Sparse unit = sparse(s[0], s[1], limit, seed);
        long kept = Arrays.stream(unit.cells()).map(Long::bitCount).sum();
        assertTrue(kept > 0 && kept < unit.values().length * 3 / 4, kept + " cells kept");
        // Bucket ranges from the limit up; below it, where a kept cell's neighbours may be 0 (so an
        // array reused from the unit before must hold 0 there); reaching below 0, every value.
        for (float from : new float[] {limit, 3f, 3.5f, 0.5f, 1f, -1f}) {
          long low = JointHistogram.ordinal(from);
          long high = JointHistogram.ordinal(from + 0.5f);
          UnitBatch dense =
              new UnitBatch(FloatBuffer.wrap(unit.values()), RECORDS, Double.NaN, plan);
          UnitBatch told =
              new UnitBatch(FloatBuffer.wrap(unit.values()), RECORDS, Double.NaN, plan);
          told.zeroOutside(unit.cells(), arrays);
          UnitBatch.Crossing expected = dense.crossing(low, high);
          UnitBatch.Crossing actual = told.crossing(low, high);
          String what = Arrays.toString(s) + " seed " + seed + " from " + from;
          assertArrayEquals(expected.above(), actual.above(), what);
          assertArrayEquals(expected.inRange(), actual.inRange(), what);
          assertArrayEquals(expected.inRangeValues(), actual.inRangeValues(), what);
          assertTrue(expected.above().length + expected.inRange().length > 0 || from > 3, what);
        }
      }
    }
  }

  @Test
  void exactIouIsTheDenseOne() {
    BilinearResize plan = new BilinearResize(7, 7, 112, 112);
    Random rng = new Random(5);
    float[] mask = new float[RECORDS * plan.symbols()];
    for (int r = 0; r < RECORDS; r++) {
      // A square per record, somewhere.
      int y0 = rng.nextInt(80);
      int x0 = rng.nextInt(80);
      for (int y = y0; y < y0 + 30; y++) {
        for (int x = x0; x < x0 + 30; x++) {
          mask[r * plan.symbols() + y * 112 + x] = 1;
        }
      }
    }
    FloatBuffer annotations = FloatBuffer.wrap(mask);
    SharedStats.Hypothesis h = SharedStats.Hypothesis.of(annotations, RECORDS, plan.symbols());
    // A unit that fires where the square is, on noise; the spill's limit lies below its threshold.
    float[] own = new float[RECORDS * 49];
    for (int r = 0; r < RECORDS; r++) {
      for (int c = 0; c < 49; c++) {
        int centre = r * plan.symbols() + (c / 7 * 16 + 8) * 112 + c % 7 * 16 + 8;
        own[r * 49 + c] = (float) Math.max(0, rng.nextGaussian()) + 3 * mask[centre];
      }
    }
    Sparse unit = kept(own, 7, 7, 2.5f);
    ZeroedArrays arrays = new ZeroedArrays();
    double[] scores = new double[2];
    for (int told = 0; told < 2; told++) {
      Accumulator iou = Measure.IOU.create(0.995, true, true);
      int pass = 0;
      do {
        if (pass++ > 0) {
          iou.startPass();
        }
        UnitBatch batch = new UnitBatch(FloatBuffer.wrap(unit.values()), RECORDS, Double.NaN, plan);
        if (told == 1 && pass > 1) {
          batch.zeroOutside(unit.cells(), arrays);
        }
        iou.add(batch, annotations, h);
      } while (iou.wantsAnotherPass());
      assertTrue(pass >= 2, "the counts above the threshold take a pass of their own");
      scores[told] = iou.result().value();
    }
    assertTrue(scores[0] > 0, "the unit fires on some square: " + scores[0]);
    assertEquals(scores[0], scores[1]);
  }

  @Test
  void keptCellsListEverySetBitByRecord() {
    Random rng = new Random(3);
    // 5 records of 61 symbols (records straddle words), bits past the last record set too.
    int records = 5;
    int perRecord = 61;
    long[] bits = new long[5];
    for (int w = 0; w < bits.length; w++) {
      // About one bit in eight set.
      long a = rng.nextLong();
      long b = rng.nextLong();
      bits[w] = a & b & rng.nextLong();
    }
    bits[2] = 0;
    bits[4] |= 1L << 63;
    KeptCells kept = KeptCells.of(bits, records, perRecord);
    for (int r = 0; r < records; r++) {
      StringBuilder expected = new StringBuilder();
      for (int c = r * perRecord; c < (r + 1) * perRecord; c++) {
        if ((bits[c >>> 6] & (1L << c)) != 0) {
          expected.append(c).append(' ');
        }
      }
      StringBuilder actual = new StringBuilder();
      for (int i = kept.recordStart()[r]; i < kept.recordStart()[r + 1]; i++) {
        actual.append(kept.cells()[i]).append(' ');
      }
      assertEquals(expected.toString(), actual.toString(), "record " + r);
    }
    assertEquals(kept.recordStart()[records], kept.count());
    assertTrue(kept.count() < kept.cells().length, "the bit past the records is not counted");
  }
}
