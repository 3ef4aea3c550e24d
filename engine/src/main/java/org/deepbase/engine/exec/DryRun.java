package org.deepbase.engine.exec;

/**
 * Marks the current thread as validating a query (for CREATE VIEW): scans and inspections check
 * every model, layer, unit, dataset and hypothesis they name, then return no rows instead of
 * running models.
 */
public final class DryRun {
  private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> false);

  private DryRun() {}

  /** Returns whether the current thread only validates. */
  public static boolean active() {
    return ACTIVE.get();
  }

  /** Runs work in validation mode. */
  public static <T> T run(java.util.concurrent.Callable<T> work) throws Exception {
    boolean previous = ACTIVE.get();
    ACTIVE.set(true);
    try {
      return work.call();
    } finally {
      ACTIVE.set(previous);
    }
  }
}
