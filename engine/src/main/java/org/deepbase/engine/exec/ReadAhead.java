package org.deepbase.engine.exec;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;

/**
 * Reads a scan's batches, the next one on a thread of its own while the caller scores the current
 * one when asked to. Reading stored behaviors is one thread's copying (a ResNet-18's cache entries:
 * 2.9 GB per pass over 2,000 images), and the scoring that follows leaves gaps on two cores; read
 * ahead, the copy fills them. At most one batch waits read: memory grows by one batch, not with the
 * dataset.
 *
 * <p>The thread is this object's: {@link #close} waits for the read in flight (a file read is not
 * interrupted: that would close its channel), closes what it read, and stops the thread.
 */
final class ReadAhead implements AutoCloseable {
  /** One batch's records and the behaviors read for them (the taker closes them). */
  record Step(RecordBatch records, List<BehaviorBatch> behaviors) {}

  private final Supplier<@Nullable Step> read;
  private final @Nullable ExecutorService thread;
  private @Nullable Future<@Nullable Step> pending;
  private boolean ended;

  /**
   * Starts reading the first batch when reading ahead.
   *
   * @param ahead whether to read the next batch on a thread while the current one is scored; if
   *     not, {@link #next} reads on the caller's thread
   * @param read reads the next batch, or returns null at the end; called on one thread, one call at
   *     a time
   */
  ReadAhead(String name, boolean ahead, Supplier<@Nullable Step> read) {
    this.read = read;
    this.thread =
        ahead
            ? Executors.newSingleThreadExecutor(
                task -> {
                  Thread t = new Thread(task, name);
                  t.setDaemon(true);
                  return t;
                })
            : null;
    this.pending = thread == null ? null : thread.submit(read::get);
  }

  /** Returns the next batch (null at the end), and starts reading the one after it if ahead. */
  @Nullable Step next() {
    if (ended) {
      return null;
    }
    Step step;
    if (thread == null) {
      step = read.get();
    } else {
      Future<@Nullable Step> current = java.util.Objects.requireNonNull(pending);
      pending = null;
      step = await(current);
      if (step != null) {
        pending = thread.submit(read::get);
      }
    }
    ended = step == null;
    return step;
  }

  private static @Nullable Step await(Future<@Nullable Step> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("reading ahead failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeepBaseException(ErrorCode.CANCELLED, "interrupted while reading ahead", e);
    }
  }

  /** Waits for the read in flight, closes its behaviors, and stops the thread. */
  @Override
  public void close() {
    Future<@Nullable Step> current = pending;
    pending = null;
    try {
      if (current != null) {
        Step unread = awaitQuietly(current);
        if (unread != null) {
          unread.behaviors().forEach(BehaviorBatch::close);
        }
      }
    } finally {
      if (thread != null) {
        thread.shutdown();
      }
    }
  }

  /** Like {@link #await}, but a failure of a read nobody will take is dropped. */
  private static @Nullable Step awaitQuietly(Future<@Nullable Step> future) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true; // the read must finish before its reader is closed
        } catch (ExecutionException e) {
          return null;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
