package org.deepbase.engine.workspace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;

/**
 * What reading a workspace's catalog may remember between calls: layer shapes (a TorchScript
 * model's need one probe forward pass) and descriptions of datasets inferred from their files. Keys
 * include the files' sizes and modification times, so a changed file is described again. Bounded
 * (least recently used entries go first) and owned by whoever keeps the workspace open: a
 * long-running server shares one per workspace between its connections, a batch job has its own.
 * Nothing here is process-wide.
 */
public final class WorkspaceShared {
  /** Layer lists kept: a few per model and checkpoint version in use. */
  static final int LAYER_ENTRIES = 256;

  /** Dataset descriptions kept. */
  static final int DATASET_ENTRIES = 1024;

  private final Lru<Object, List<LayerInfo>> layers = new Lru<>(LAYER_ENTRIES);
  private final Lru<Object, DatasetDescriptor> datasets = new Lru<>(DATASET_ENTRIES);
  private final MemoryGrants memory;

  /**
   * Shared state whose memory grants take half of this JVM's heap ({@link
   * MemoryGrants#forThisJvm()}).
   */
  public WorkspaceShared() {
    this(MemoryGrants.forThisJvm());
  }

  /** Shared state with the given admission control. */
  public WorkspaceShared(MemoryGrants memory) {
    this.memory = java.util.Objects.requireNonNull(memory, "memory is null");
  }

  /** Returns the memory grants that admit compute-bound work on this workspace. */
  public MemoryGrants memory() {
    return memory;
  }

  List<LayerInfo> layers(Object key, Function<Object, List<LayerInfo>> describe) {
    return layers.computeIfAbsent(key, describe);
  }

  @Nullable DatasetDescriptor dataset(
      Object key, Function<Object, @Nullable DatasetDescriptor> describe) {
    return datasets.computeIfAbsent(key, describe);
  }

  /** Returns how many cache entries are kept (layer lists + dataset descriptions). */
  public int size() {
    return layers.size() + datasets.size();
  }

  /**
   * A least-recently-used map. The value is computed outside the lock: describing a model can take
   * a forward pass, and other keys must not wait for it (two callers may both compute a missing
   * entry; the descriptions are pure, so either result is right).
   */
  private static final class Lru<K, V> {
    private final Map<K, V> entries;

    Lru(int capacity) {
      entries =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
              return size() > capacity;
            }
          };
    }

    @Nullable V computeIfAbsent(K key, Function<? super K, ? extends @Nullable V> compute) {
      synchronized (entries) {
        V known = entries.get(key);
        if (known != null) {
          return known;
        }
      }
      V value = compute.apply(key);
      if (value != null) {
        synchronized (entries) {
          entries.put(key, value);
        }
      }
      return value;
    }

    int size() {
      synchronized (entries) {
        return entries.size();
      }
    }
  }
}
