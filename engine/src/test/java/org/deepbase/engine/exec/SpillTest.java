package org.deepbase.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.GridAlignment;
import org.deepbase.engine.extract.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exact inspection's spill keeps, per unit, what the later passes need: everything, nothing, or
 * the cells at or above a limit with their eight neighbours (the rest read back as 0), and the
 * whole batch of a unit with a negative value. Checked cell by cell against the values written.
 */
class SpillTest {
  private static final int UNITS = 4;
  private static final int H = 5;
  private static final int W = 7;
  private static final int RECORDS = 4;
  private static final int BATCHES = 3;

  @Test
  void keepsWhatTheLaterPassesNeedAndReadsItBack(@TempDir Path dir) {
    LayerInfo layer = new LayerInfo("m", "conv", 0, "conv", List.of(UNITS, H, W));
    Random rng = new Random(7);
    // unit 0: a limit (sparse); 1: every value; 2: nothing; 3: a limit, but a negative value.
    float limit = 2.5f;
    float[] need = {limit, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, limit};
    float[][][] written = new float[BATCHES][UNITS][RECORDS * H * W];
    try (BufferAllocator allocator = Allocators.newChild("spill-test");
        Spill spill = new Spill(dir.resolve("conv.spill"), layer, allocator)) {
      // Mostly below the limit, a few cells above it; unit 3 has one negative value; unit 0 has a
      // -0, which is not negative: it stays sparse.
      write(
          spill,
          layer,
          need,
          written,
          (u, i) ->
              u == 3 && i == 11
                  ? -0.5f
                  : u == 0 && i == 5 ? -0.0f : (float) Math.abs(rng.nextGaussian()),
          allocator);
      long dense = (long) BATCHES * UNITS * RECORDS * H * W * Float.BYTES;
      assertTrue(spill.size() < dense * 3 / 4, spill.size() + " of " + dense + " bytes");
      int sparseCells = 0;
      // Read back twice: as a layer on the annotation grid, and resized to a finer one with the
      // resizing deferred (the values on the own grid, expanded straight into the batch).
      for (boolean deferred : new boolean[] {false, true}) {
        List<Integer> grid = deferred ? List.of(2 * H, 2 * W) : List.of(H, W);
        GridAlignment.Delivery delivery =
            deferred ? GridAlignment.Delivery.DEFERRED : GridAlignment.Delivery.ALIGNED;
        try (Spill.Reader reader = spill.reader(grid, delivery, allocator)) {
          int[] units = {0, 1, 2, 3};
          for (int b = 0; b < BATCHES; b++) {
            try (BehaviorBatch read = reader.next(units, recordIds(b))) {
              List<Float4Vector> own = deferred ? read.raw() : read.vectors();
              // Deferred, the batch says where its sparse and dropped units are 0.
              long[][] zeroOutside = read.zeroOutside();
              assertEquals(deferred, zeroOutside != null, "zero-outside cells when deferred");
              for (int u = 0; u < UNITS; u++) {
                for (int i = 0; i < RECORDS * H * W; i++) {
                  float expected =
                      switch (u) {
                        case 0 -> nearLimit(written[b][u], i, limit) ? written[b][u][i] : 0f;
                        case 2 -> 0f;
                        default -> written[b][u][i];
                      };
                  String what = "batch " + b + " unit " + u + " deferred " + deferred;
                  assertEquals(expected, own.get(u).get(i), what);
                  if (zeroOutside != null) {
                    boolean listed =
                        zeroOutside[u] == null || (zeroOutside[u][i >>> 6] & (1L << i)) != 0;
                    assertEquals(u != 2 && (u != 0 || nearLimit(written[b][u], i, limit)), listed);
                  }
                }
              }
            }
            for (int i = 0; i < RECORDS * H * W; i++) {
              sparseCells += nearLimit(written[b][0], i, limit) ? 1 : 0;
            }
          }
          assertNull(reader.next(units, recordIds(BATCHES)), "three batches written");
        }
      }
      assertTrue(
          sparseCells > 0 && sparseCells < 2 * BATCHES * RECORDS * H * W / 2, "" + sparseCells);
    }
  }

  /** Without a sparse part, a batch read into new vectors is read unit by unit straight in. */
  @Test
  void aBatchWithoutSparsePartsReadsEachUnitIntoItsVector(@TempDir Path dir) {
    LayerInfo layer = new LayerInfo("m", "conv", 0, "conv", List.of(UNITS, H, W));
    Random rng = new Random(8);
    float[] need = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f};
    float[][][] written = new float[BATCHES][UNITS][RECORDS * H * W];
    try (BufferAllocator allocator = Allocators.newChild("spill-test");
        Spill spill = new Spill(dir.resolve("conv.spill"), layer, allocator)) {
      // Signed values: unit 3's limit cannot make it sparse.
      write(spill, layer, need, written, (u, i) -> (float) rng.nextGaussian(), allocator);
      try (Spill.Reader reader =
          spill.reader(List.of(H, W), GridAlignment.Delivery.ALIGNED, allocator)) {
        int[] units = {3, 0, 1};
        for (int b = 0; b < BATCHES; b++) {
          try (BehaviorBatch read = reader.next(units, recordIds(b))) {
            for (int k = 0; k < units.length; k++) {
              for (int i = 0; i < RECORDS * H * W; i++) {
                float expected = units[k] == 1 ? 0f : written[b][units[k]][i];
                assertEquals(expected, read.vectors().get(k).get(i), "unit " + units[k]);
              }
            }
          }
        }
      }
      // Read back for other records than were written: an error naming both, not wrong values.
      try (Spill.Reader reader =
          spill.reader(List.of(H, W), GridAlignment.Delivery.ALIGNED, allocator)) {
        IllegalStateException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class,
                () -> reader.next(new int[] {0}, new int[] {0, 1}).close());
        assertTrue(e.getMessage().contains("4 records"), e.getMessage());
      }
    }
  }

  /** The value of unit u at position i of a batch. */
  private interface Value {
    float of(int unit, int position);
  }

  /** Writes {@code BATCHES} batches of {@code value}s, kept in {@code written}. */
  private static void write(
      Spill spill,
      LayerInfo layer,
      float[] need,
      float[][][] written,
      Value value,
      BufferAllocator allocator) {
    for (int b = 0; b < BATCHES; b++) {
      for (int u = 0; u < UNITS; u++) {
        for (int i = 0; i < RECORDS * H * W; i++) {
          written[b][u][i] = value.of(u, i);
        }
      }
      try (BehaviorBatch batch = batch(layer, written[b], b, allocator)) {
        spill.write(batch, need);
      }
    }
  }

  /** Whether cell i or one of its eight neighbours in the same record is at or above the limit. */
  private static boolean nearLimit(float[] values, int i, float limit) {
    int record = i / (H * W);
    int y = i % (H * W) / W;
    int x = i % W;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        int yy = y + dy;
        int xx = x + dx;
        if (yy >= 0
            && yy < H
            && xx >= 0
            && xx < W
            && values[record * H * W + yy * W + xx] >= limit) {
          return true;
        }
      }
    }
    return false;
  }

  private static int[] recordIds(int batch) {
    int[] ids = new int[RECORDS];
    for (int r = 0; r < RECORDS; r++) {
      ids[r] = batch * RECORDS + r;
    }
    return ids;
  }

  private static BehaviorBatch batch(
      LayerInfo layer, float[][] values, int b, BufferAllocator allocator) {
    List<Float4Vector> vectors = new ArrayList<>();
    int[] units = new int[UNITS];
    for (int u = 0; u < UNITS; u++) {
      units[u] = u;
      Float4Vector vector = new Float4Vector("u" + u, allocator);
      Vectors.allocateUnzeroed(vector, values[u].length, allocator);
      for (int i = 0; i < values[u].length; i++) {
        vector.set(i, values[u][i]);
      }
      vector.setValueCount(values[u].length);
      vectors.add(vector);
    }
    return new BehaviorBatch(layer, units, recordIds(b), H * W, vectors);
  }
}
