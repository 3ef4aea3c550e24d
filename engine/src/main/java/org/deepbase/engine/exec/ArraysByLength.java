package org.deepbase.engine.exec;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One thread's reusable float arrays, one per length asked for: a batch's layers and its last,
 * shorter batch need a handful of lengths. Not thread-safe; callers keep one per thread.
 */
final class ArraysByLength implements IntFunction<float[]> {
  private final Map<Integer, float[]> arrays = new HashMap<>();

  /** Returns this thread's array of {@code length} floats, holding whatever it held last. */
  @Override
  public float[] apply(int length) {
    return arrays.computeIfAbsent(length, float[]::new);
  }
}
