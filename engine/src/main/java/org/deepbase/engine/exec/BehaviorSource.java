package org.deepbase.engine.exec;

import java.util.List;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;

/** Where a scan gets a batch's behaviors: the model (a forward pass) or the behavior cache. */
interface BehaviorSource extends AutoCloseable {
  /**
   * Returns the behaviors of every requested layer for the batch; the caller owns and closes them.
   */
  List<BehaviorBatch> next(RecordBatch batch);

  /** Returns whether {@link #next} reads the batch's inputs (a forward pass does). */
  default boolean readsInputs() {
    return true;
  }

  @Override
  void close();
}
