package org.deepbase.engine;

/**
 * Receives progress of long work (training, extraction).
 *
 * <p>The engine reports to {@link #current()}, which is silent unless a front end (the command
 * line) installs a listener; implementations must be thread-safe.
 */
public interface Progress {
  Progress SILENT = (task, done, total, detail) -> { };

  /**
   * Reports that {@code done} of {@code total} items of {@code task} are finished; {@code detail}
   * is free text that may change between reports of the same task (e.g. the current loss).
   */
  void report(String task, long done, long total, String detail);

  /** Reports progress without detail. */
  default void report(String task, long done, long total) {
    report(task, done, total, "");
  }

  /** Returns the process-wide listener. */
  static Progress current() {
    return ProgressHolder.listener;
  }

  /** Installs the process-wide listener. */
  static void install(Progress listener) {
    ProgressHolder.listener = listener == null ? SILENT : listener;
  }
}

/** Holds the installed listener; volatile so worker threads see a listener set at start-up. */
final class ProgressHolder {
  static volatile Progress listener = Progress.SILENT;

  private ProgressHolder() {
  }
}
