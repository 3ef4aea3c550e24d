package org.deepbase.engine.data;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * A batch of records: their inputs packed contiguously (for one forward pass) and each record.
 *
 * @param inputs the packed inputs, records.size() x input size floats
 * @param records the records, in order
 */
public record RecordBatch(FloatBuffer inputs, List<DatasetRecord> records) {
  public int size() {
    return records.size();
  }
}
