package org.deepbase.engine.data;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One input record as hypotheses see it.
 *
 * @param recordId the stable id (row number in the dataset)
 * @param input read-only view of the record's input floats, in C order of the input shape; empty
 *     when the scan needs no inputs (see {@link
 *     org.deepbase.engine.hypothesis.Hypothesis#readsInputs})
 * @param metadata the record's columns from records.csv, by column name
 */
public record DatasetRecord(int recordId, FloatBuffer input, Map<String, String> metadata) {
  /** Returns a metadata column as an int, naming the record when it is missing. */
  public int intColumn(String name) {
    String value = metadata.get(name);
    if (value == null) {
      throw new IllegalStateException("record " + recordId + " has no column '" + name + "'");
    }
    return Integer.parseInt(value);
  }
}
