package org.deepbase.engine.cache;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.extract.BehaviorBatch;

/** Reads stored behaviors of one layer back, batch after batch, in the order they were written. */
public interface BatchReader extends AutoCloseable {
  /**
   * Reads the next batch for the given record ids (which must match the stored batch), or null at
   * the end.
   */
  @Nullable BehaviorBatch next(int[] units, int[] recordIds);

  @Override
  void close();
}
