package org.deepbase.engine.measure;

import java.util.Arrays;

/**
 * The values a second pass collects from the threshold's bucket, with their annotation class: one
 * long per value (the float's order-preserving bits and the class), sorted once when read. A tree
 * of boxed values took ~100 bytes per value; this takes 8, which matters because the second pass
 * keeps one collection per (unit, hypothesis) and the bucket's share of the values does not shrink
 * as the dataset grows.
 */
final class BucketValues implements java.io.Serializable {
  private long[] keys = new long[16];
  private int size;
  private boolean sorted = true;

  /** Adds a value of annotation class {@code annotationClass} (0..255). */
  void add(float value, int annotationClass) {
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
    }
    long key = (long) sortable(value) << 8 | annotationClass;
    sorted &= size == 0 || keys[size - 1] <= key;
    keys[size++] = key;
  }

  /** Adds another collection's values, its class c counted as class {@code remap[c]}. */
  void merge(BucketValues other, int[] remap) {
    for (int i = 0; i < other.size; i++) {
      long key = other.keys[i];
      add(value(key), remap[(int) (key & 0xff)]);
    }
  }

  /** The distinct values in increasing order, with per-class counts. */
  record Distinct(float[] values, long[][] counts) {}

  Distinct distinct(int classes) {
    if (!sorted) {
      Arrays.sort(keys, 0, size);
      sorted = true;
    }
    int distinct = 0;
    for (int i = 0; i < size; i++) {
      distinct += i == 0 || keys[i] >> 8 != keys[i - 1] >> 8 ? 1 : 0;
    }
    float[] values = new float[distinct];
    long[][] counts = new long[distinct][classes];
    int d = -1;
    for (int i = 0; i < size; i++) {
      if (i == 0 || keys[i] >> 8 != keys[i - 1] >> 8) {
        values[++d] = value(keys[i]);
      }
      counts[d][(int) (keys[i] & 0xff)]++;
    }
    return new Distinct(values, counts);
  }

  /** Float bits as an int that orders as the floats do (negative values reversed). */
  private static int sortable(float v) {
    int bits = Float.floatToRawIntBits(v == 0f ? 0f : v); // -0 counts as 0
    return bits ^ (bits >> 31 & 0x7fffffff);
  }

  private static float value(long key) {
    int s = (int) (key >> 8);
    return Float.intBitsToFloat(s ^ (s >> 31 & 0x7fffffff));
  }
}
