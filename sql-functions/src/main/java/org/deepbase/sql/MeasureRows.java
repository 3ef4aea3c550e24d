package org.deepbase.sql;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.BitSet;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.Measure;
import org.deepbase.engine.measure.Score;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds SQL rows to an engine {@link Accumulator}, a record at a time.
 *
 * <p>Rows of a group arrive record by record (DeepBase's scans emit them so and the hash join keeps
 * the order of its streaming side). Memory: one record's rows, plus for per-record measures one bit
 * per record id seen, which detects a record's rows arriving after the record was closed (for
 * instance two checkpoints mixed in one group) and fails instead of scoring wrongly. Without a
 * record id, rows are passed on in chunks.
 */
public final class MeasureRows {
  private static final Logger LOG = LoggerFactory.getLogger(MeasureRows.class);
  private static final int CHUNK = 4096;

  /** The quantile argument that selects the measure's default. */
  static final double DEFAULT = -1;

  /** The record_id argument when no record id is known. */
  static final int NO_RECORD = -1;

  private @Nullable Accumulator accumulator;
  private String measure = "";
  private boolean perRecord;
  private final BitSet closed = new BitSet();
  private int record = NO_RECORD;
  private float[] values = new float[256];
  private float[] annotations = new float[256];
  private int size;

  void add(
      String measureName,
      @Nullable Double quantile,
      @Nullable Double behavior,
      @Nullable Double annotation,
      @Nullable Integer recordId) {
    if (accumulator == null) {
      measure = measureName;
      Measure kind = Measure.of(measureName);
      perRecord = kind.perRecord();
      accumulator =
          kind.create(quantile == null || quantile == DEFAULT ? Double.NaN : quantile, false);
    }
    if ((recordId == null || recordId == NO_RECORD) && perRecord) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          measure
              + " needs the record of every row:"
              + " aggregate over deepbase.behaviors joined with deepbase.annotations on record_id");
    }
    if (behavior == null || annotation == null) {
      return;
    }
    int id = recordId == null ? NO_RECORD : recordId;
    if (id != record || size == CHUNK && !perRecord) {
      flush();
      if (perRecord && closed.get(id)) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT,
            measure
                + " received rows of record "
                + id
                + " after other records: group by every column that varies per row set (model,"
                + " checkpoint, dataset, hypothesis)");
      }
      record = id;
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
      accumulator.add(
          FloatBuffer.wrap(values, 0, size), FloatBuffer.wrap(annotations, 0, size), 1, size);
      if (perRecord) {
        closed.set(record);
      }
    }
    size = 0;
  }

  MeasureRows merge(MeasureRows other) {
    flush();
    other.flush();
    if (accumulator == null) {
      accumulator = other.accumulator;
      measure = other.measure;
      perRecord = other.perRecord;
    } else if (other.accumulator != null) {
      accumulator.merge(other.accumulator);
    }
    closed.or(other.closed);
    return this;
  }

  Double result() {
    flush();
    if (accumulator == null) {
      return 0.0;
    }
    Score score = accumulator.result();
    if (score.warning() != null) {
      LOG.warn("{}", score.warning());
    }
    return score.value();
  }
}
