package org.deepbase.engine.data;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Holds the process-wide Arrow root allocator; every query takes a child of it and closes that
 * child when done, so a leak shows as a non-zero {@link #allocatedBytes()}.
 */
public final class Allocators {
  private static final RootAllocator ROOT = new RootAllocator(Long.MAX_VALUE);

  private Allocators() {}

  /** Creates a child allocator owned by the caller. */
  public static BufferAllocator newChild(String name) {
    return ROOT.newChildAllocator(name, 0, Long.MAX_VALUE);
  }

  /**
   * Creates a child allocator owned by the caller that refuses to hold more than {@code limit}
   * bytes.
   */
  public static BufferAllocator newChild(String name, long limit) {
    return ROOT.newChildAllocator(name, 0, limit);
  }

  /** Returns the bytes currently held by all allocators. */
  public static long allocatedBytes() {
    return ROOT.getAllocatedMemory();
  }
}
