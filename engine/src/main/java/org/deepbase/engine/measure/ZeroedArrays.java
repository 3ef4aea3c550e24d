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
  /** An array and the cells (bits) its last taker may have written. */
  private static final class Slot {
    final float[] array;
    long[] written = new long[0];

    Slot(int length) {
      array = new float[length];
    }
  }

  private final Map<Integer, Slot> slots = new HashMap<>();

  /**
   * Returns this thread's array of {@code length} floats, 0 everywhere; the caller may write the
   * cells set in {@code cells} (bits over the array's indexes) and must not use the array once it
   * takes another.
   */
  public float[] take(int length, long[] cells) {
    Slot slot = slots.computeIfAbsent(length, Slot::new);
    long[] written = slot.written;
    for (int w = 0; w < written.length; w++) {
      for (long word = written[w]; word != 0; word &= word - 1) {
        slot.array[(w << 6) + Long.numberOfTrailingZeros(word)] = 0;
      }
    }
    slot.written = cells;
    return slot.array;
  }
}
