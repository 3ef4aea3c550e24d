package org.deepbase.engine.measure;

import java.util.HashMap;
import java.util.Map;

/**
 * One thread's reusable float arrays that are 0 but where the last taker wrote: a taker names the
 * cells it will write, and the next taker of the same length gets the array with those cells set
 * back to 0. Cleaning costs what the writing did, not the array's length. Not thread-safe; callers
 * keep one per thread.
 */
public final class ZeroedArrays {
  /** An array and the cells its last taker may have written. */
  private static final class Slot {
    final float[] array;
    KeptCells written = new KeptCells(new int[0], new int[1]);

    Slot(int length) {
      array = new float[length];
    }
  }

  private final Map<Integer, Slot> slots = new HashMap<>();

  /**
   * Returns this thread's array of {@code length} floats, 0 everywhere; the caller may write the
   * cells listed in {@code cells} (indexes into the array) and must not use the array once it takes
   * another.
   */
  float[] take(int length, KeptCells cells) {
    Slot slot = slots.computeIfAbsent(length, Slot::new);
    int[] written = slot.written.cells();
    for (int i = 0, n = slot.written.count(); i < n; i++) {
      slot.array[written[i]] = 0;
    }
    slot.written = cells;
    return slot.array;
  }
}
