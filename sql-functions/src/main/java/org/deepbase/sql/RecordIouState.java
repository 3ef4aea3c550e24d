package org.deepbase.sql;

import java.util.Arrays;
import java.util.BitSet;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.measure.LocalIouAccumulator;

/**
 * Feeds SQL rows to a {@link LocalIouAccumulator} one record at a time.
 *
 * <p>Rows of a group must arrive record by record (DeepBase's scans emit them so and the hash
 * join keeps the order of its streaming side). Memory: one record's values plus one bit per
 * record id seen, which detects rows of a record arriving after that record was closed (for
 * instance two checkpoints mixed in one group) and fails instead of scoring it wrong.
 */
public final class RecordIouState {
  private @Nullable LocalIouAccumulator accumulator;
  private double quantile = Double.NaN;
  private final BitSet closed = new BitSet();
  private int record = -1;
  private float[] values = new float[64];
  private float[] annotations = new float[64];
  private int size;

  void add(@Nullable Double behavior, @Nullable Double annotation, @Nullable Double q,
      @Nullable Integer recordId) {
    if (recordId == null) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "local_iou needs the record of every row:"
          + " aggregate over deepbase.behaviors joined with deepbase.annotations on record_id");
    }
    if (behavior == null || annotation == null) {
      return;
    }
    if (accumulator == null) {
      quantile = q == null ? LocalIouAccumulator.DEFAULT_QUANTILE : q;
      accumulator = new LocalIouAccumulator(quantile);
    }
    if (recordId != record) {
      flush();
      if (closed.get(recordId)) {
        throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "local_iou received rows of record " + recordId
            + " after other records: group by every column that varies per row set (model,"
            + " checkpoint, dataset, hypothesis)");
      }
      record = recordId;
    }
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
      annotations = Arrays.copyOf(annotations, size * 2);
    }
    values[size] = behavior.floatValue();
    annotations[size] = annotation.floatValue();
    size++;
  }

  private void flush() {
    if (size > 0 && accumulator != null) {
      accumulator.addRecord(values, 0, annotations, 0, size);
      closed.set(record);
    }
    size = 0;
  }

  RecordIouState merge(RecordIouState other) {
    flush();
    other.flush();
    if (accumulator == null) {
      accumulator = other.accumulator;
    } else if (other.accumulator != null) {
      accumulator.merge(other.accumulator);
    }
    closed.or(other.closed);
    return this;
  }

  Double result() {
    flush();
    return accumulator == null ? 0.0 : accumulator.result();
  }
}
