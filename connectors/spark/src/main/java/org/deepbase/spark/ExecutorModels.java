package org.deepbase.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.nn.LoadedModel;

/**
 * The checkpoints loaded in this executor JVM, kept for the next task: a pool per checkpoint file
 * version (path, size, modification time), so a model is loaded at most once per concurrently
 * running task slot, not once per task, and a rewritten file is loaded afresh.
 */
final class ExecutorModels {
  private static final Map<String, ConcurrentLinkedQueue<LoadedModel>> POOLS =
      new ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicLong LOADS =
      new java.util.concurrent.atomic.AtomicLong();

  private ExecutorModels() {}

  /** A model borrowed for one task; closing the lease returns it to the pool. */
  static final class Lease implements AutoCloseable {
    private final String key;
    private final LoadedModel model;

    private Lease(String key, LoadedModel model) {
      this.key = key;
      this.model = model;
    }

    LoadedModel get() {
      return model;
    }

    @Override
    public void close() {
      POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(model);
    }
  }

  static Lease borrow(ModelDescriptor descriptor, Checkpoint checkpoint) {
    String key;
    try {
      key =
          checkpoint.path()
              + "|"
              + Files.size(checkpoint.path())
              + "|"
              + Files.getLastModifiedTime(checkpoint.path()).toMillis()
              + "|"
              + descriptor.hashCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LoadedModel pooled = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
    if (pooled != null) {
      return new Lease(key, pooled);
    }
    LOADS.incrementAndGet();
    return new Lease(key, LoadedModel.load(descriptor, checkpoint));
  }

  /** Returns how many checkpoints this JVM has loaded so far (tests check the reuse). */
  static long loads() {
    return LOADS.get();
  }
}
