package org.deepbase.engine.measure;

import java.util.Arrays;

/**
 * The values a second pass collects from the threshold's bucket, with their annotation class, as
 * counts of distinct (value, class) pairs: one long each, the float's order-preserving bits, the
 * class and a count. Values are appended, and when the array is full the pairs are sorted and equal
 * ones summed. A bucket of {@link JointHistogram} spans 2^14 consecutive floats, so the collection
 * holds at most that many pairs per class and bucket however many records pass two reads: memory is
 * flat in the dataset's size (a plain list of values grew with it).
 */
final class BucketValues implements java.io.Serializable {
  /** Bits of a key that count; a pair counted more often takes another key. */
  private static final int COUNT_BITS = 24;

  private static final long MAX_COUNT = (1L << COUNT_BITS) - 1;
  private static final int CLASS_BITS = 8;
  private static final int INITIAL = 16;

  private long[] keys = new long[INITIAL];
  private int size;

  /** The first {@code compacted} keys are sorted with equal pairs summed. */
  private int compacted;

  /** Adds a value of annotation class {@code annotationClass} (0..255). */
  void add(float value, int annotationClass) {
    addPair(pair(sortable(value), annotationClass), 1);
  }

  /** Adds another collection's pairs, its class c counted as class {@code remap[c]}. */
  void merge(BucketValues other, int[] remap) {
    for (int i = 0; i < other.size; i++) {
      long key = other.keys[i];
      addPair(pair((int) (key >> 32), remap[classOf(key)]), key & MAX_COUNT);
    }
  }

  private void addPair(long pair, long n) {
    while (n > 0) {
      if (size == keys.length) {
        compact();
        if (size > keys.length / 2) {
          keys = Arrays.copyOf(keys, keys.length * 2);
        }
      }
      long part = Math.min(n, MAX_COUNT);
      keys[size++] = pair | part;
      n -= part;
    }
  }

  /** Sorts the keys and sums equal pairs (a key's count never exceeds {@link #MAX_COUNT}). */
  private void compact() {
    if (compacted == size) {
      return;
    }
    // By value, then class: equal pairs end up side by side. The first `compacted` keys are
    // sorted already, so only the keys added since are sorted, then the two runs merged.
    Arrays.sort(keys, compacted, size);
    if (compacted > 0) {
      mergeRuns(keys, compacted, size);
    }
    int out = -1;
    for (int i = 0; i < size; i++) {
      long key = keys[i];
      if (out >= 0
          && (keys[out] & ~MAX_COUNT) == (key & ~MAX_COUNT)
          && (keys[out] & MAX_COUNT) + (key & MAX_COUNT) <= MAX_COUNT) {
        keys[out] += key & MAX_COUNT;
      } else {
        keys[++out] = key;
      }
    }
    size = out + 1;
    compacted = size;
  }

  /** Merges the sorted runs [0, mid) and [mid, end) of {@code keys} in place. */
  private static void mergeRuns(long[] keys, int mid, int end) {
    long[] first = Arrays.copyOf(keys, mid);
    int i = 0;
    int j = mid;
    int k = 0;
    // k never passes j: the second run's keys still to merge are never overwritten.
    while (i < mid && j < end) {
      keys[k++] = first[i] <= keys[j] ? first[i++] : keys[j++];
    }
    System.arraycopy(first, i, keys, k, mid - i); // what is left of the second run is in place
  }

  /** The distinct values in increasing order, with per-class counts. */
  record Distinct(float[] values, long[][] counts) {}

  Distinct distinct(int classes) {
    compact();
    int distinct = 0;
    for (int i = 0; i < size; i++) {
      distinct += i == 0 || keys[i] >> 32 != keys[i - 1] >> 32 ? 1 : 0;
    }
    float[] values = new float[distinct];
    long[][] counts = new long[distinct][classes];
    int d = -1;
    for (int i = 0; i < size; i++) {
      if (i == 0 || keys[i] >> 32 != keys[i - 1] >> 32) {
        values[++d] = value((int) (keys[i] >> 32));
      }
      counts[d][classOf(keys[i])] += keys[i] & MAX_COUNT;
    }
    return new Distinct(values, counts);
  }

  /** Longs held: for tests of the memory bound. */
  int capacity() {
    return keys.length;
  }

  private static long pair(int sortable, int annotationClass) {
    return (long) sortable << 32 | (long) annotationClass << COUNT_BITS;
  }

  private static int classOf(long key) {
    return (int) (key >>> COUNT_BITS) & ((1 << CLASS_BITS) - 1);
  }

  /** Float bits as an int that orders as the floats do (negative values reversed). */
  private static int sortable(float v) {
    int bits = Float.floatToRawIntBits(v == 0f ? 0f : v); // -0 counts as 0
    return bits ^ (bits >> 31 & 0x7fffffff);
  }

  private static float value(int s) {
    return Float.intBitsToFloat(s ^ (s >> 31 & 0x7fffffff));
  }
}
