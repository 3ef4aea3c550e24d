package org.deepbase.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches read from a dataset's inputs file, one array reused for every batch. */
class DatasetReaderTest {
  private static final int RECORDS = 11;
  private static final int SIZE = 6;

  /**
   * Every batch holds its selected records' inputs, in order, packed and per record, including a
   * last batch smaller than the array an earlier batch filled; what a caller copied from one batch
   * stays as it was after the next.
   */
  @Test
  void everyBatchHoldsItsRecordsInputsAndCopiesSurviveTheNext(@TempDir Path dir)
      throws IOException {
    float[] inputs = new float[RECORDS * SIZE];
    Random random = new Random(3);
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = random.nextFloat();
    }
    Npy.write(dir.resolve(DatasetDescriptor.INPUTS), List.of(RECORDS, 2, 3), inputs);
    DatasetDescriptor dataset =
        new DatasetDescriptor("d", "test", RECORDS, List.of(2, 3), List.of(1));
    List<float[]> copies = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    // Record 9 is not selected: the last batch holds 8 and 10, half the array's records.
    try (DatasetReader reader = new DatasetReader(dir, dataset, id -> id != 9, 4)) {
      while (reader.hasNext()) {
        RecordBatch batch = reader.next();
        FloatBuffer packed = batch.inputs().duplicate();
        assertEquals(batch.size() * SIZE, packed.remaining(), "packed floats");
        for (int r = 0; r < batch.size(); r++) {
          float[] record = new float[SIZE];
          batch.records().get(r).input().duplicate().get(record);
          float[] fromPacked = new float[SIZE];
          packed.get(fromPacked);
          assertArrayEquals(record, fromPacked, "record " + r + " in the packed inputs");
          copies.add(record);
          ids.add(batch.records().get(r).recordId());
        }
      }
      assertFalse(reader.hasNext());
    }
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 10), ids);
    for (int i = 0; i < ids.size(); i++) {
      int id = ids.get(i);
      assertArrayEquals(
          java.util.Arrays.copyOfRange(inputs, id * SIZE, (id + 1) * SIZE),
          copies.get(i),
          "record " + id);
    }
  }
}
