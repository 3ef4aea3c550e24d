package org.deepbase.engine;

/**
 * Receives progress of long work (training, extraction).
 *
 * <p>Injected, never process-wide: a {@link org.deepbase.engine.workspace.Workspace} carries the
 * listener its work reports to (silent unless a front end such as the command line passes one, e.g.
 * as the embedded connection property {@code deepbase.progress}); implementations must be
 * thread-safe.
 */
public interface Progress {
  Progress SILENT = (task, done, total, detail) -> {};

  /**
   * Reports that {@code done} of {@code total} items of {@code task} are finished; {@code detail}
   * is free text that may change between reports of the same task (e.g. the current loss).
   */
  void report(String task, long done, long total, String detail);

  /** Reports progress without detail. */
  default void report(String task, long done, long total) {
    report(task, done, total, "");
  }
}
