package org.deepbase.engine.workspace;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.deepbase.engine.Cancellation;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Admission control by memory, as a database grants query memory: compute-bound work (an
 * inspection, a probe) asks for the heap its accumulators will hold and waits, in arrival order,
 * until the budget has room; small requests pass at once. Without it, 32 concurrent inspections of
 * 336 (unit, hypothesis) pairs with exact thresholds (~84 MB each) took a 2 GiB server to
 * OutOfMemoryError in the load test. A request larger than the whole budget runs alone. Waiting
 * work still answers its cancel and its time limit.
 */
public final class MemoryGrants {
  private static final int KIB = 1024;
  private final int budgetKib;
  private final Semaphore free;

  /** Creates grants out of {@code budgetBytes} of heap. */
  public MemoryGrants(long budgetBytes) {
    if (budgetBytes < KIB) {
      throw new IllegalArgumentException("budget too small: " + budgetBytes);
    }
    this.budgetKib = (int) Math.min(Integer.MAX_VALUE, budgetBytes / KIB);
    this.free = new Semaphore(budgetKib, true);
  }

  /**
   * Grants out of half of this JVM's maximum heap (the rest: planning, results, batches in flight).
   */
  public static MemoryGrants forThisJvm() {
    return new MemoryGrants(Runtime.getRuntime().maxMemory() / 2);
  }

  /** Returns the budget, in bytes. */
  public long budgetBytes() {
    return (long) budgetKib * KIB;
  }

  /** Returns the bytes granted now. */
  public long grantedBytes() {
    return (long) (budgetKib - free.availablePermits()) * KIB;
  }

  /**
   * Waits until {@code bytes} (at most the whole budget) can be granted, checking {@code cancelled}
   * while waiting; closing the returned grant gives the memory back.
   */
  public Grant acquire(long bytes, BooleanSupplier cancelled, String what) {
    int kib = (int) Math.max(1, Math.min(budgetKib, (bytes + KIB - 1) / KIB));
    try {
      while (!free.tryAcquire(kib, 100, TimeUnit.MILLISECONDS)) {
        if (cancelled.getAsBoolean()) {
          if (cancelled instanceof Cancellation c) {
            c.check(what + " (waiting for memory)");
          }
          throw new DeepBaseException(
              ErrorCode.CANCELLED, what + " cancelled while waiting for memory");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeepBaseException(
          ErrorCode.CANCELLED, what + " interrupted while waiting for memory");
    }
    return new Grant(kib);
  }

  /** Memory granted to one piece of work. */
  public final class Grant implements AutoCloseable {
    private final int kib;
    private boolean released;

    private Grant(int kib) {
      this.kib = kib;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        free.release(kib);
      }
    }
  }
}
