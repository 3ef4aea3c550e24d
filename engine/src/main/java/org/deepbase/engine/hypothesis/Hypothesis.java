package org.deepbase.engine.hypothesis;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.data.DatasetRecord;

/**
 * Annotates a record: one value per symbol, e.g. 1 where the ghost is and 0 elsewhere.
 *
 * <p>Implementations are pure functions of the record, so the engine may evaluate them in any order
 * and once per record however many units they are compared with. Different hypotheses are evaluated
 * on different threads at the same time; one hypothesis is asked on one thread at a time, records
 * in ascending id order within a batch.
 */
public interface Hypothesis {
  /** Returns the hypothesis' SQL name. */
  String name();

  /** Returns a one-line description for the {@code hypotheses} table. */
  String description();

  /** Returns how the hypothesis is defined, for the {@code hypotheses} table. */
  default String kind() {
    return "function";
  }

  /** Returns one annotation per symbol of the record, in the dataset's symbol order. */
  float[] annotate(DatasetRecord record);

  /**
   * Returns the annotations of a batch's records one after another (records x symbols values), or
   * null (the default) to be asked record by record through {@link #annotate}. A hypothesis that
   * reads stored arrays reads the batch's consecutive records in one go.
   */
  default float @Nullable [] annotateAll(List<DatasetRecord> records) {
    return null;
  }

  /**
   * Returns whether {@link #annotate} reads the record's inputs ({@link DatasetRecord#input}). A
   * scan that takes its behaviors from the behavior cache reads the inputs only when a hypothesis
   * does; one that says false gets records without them.
   */
  default boolean readsInputs() {
    return true;
  }
}
