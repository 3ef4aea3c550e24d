package org.deepbase.engine.measure;

import java.util.Arrays;

/**
 * Counts values per (value bucket, annotation class) with relative accuracy: bucket i of positive
 * values holds (γ^(i-1), γ^i] with γ = (1 + α) / (1 - α) (DDSketch's mapping), negative values
 * mirror that, and exact zeros have a bucket of their own. Any value in a bucket is within relative
 * error α of the bucket's representative.
 *
 * <p>Memory: two growable arrays of longs per class spanning the buckets actually hit, about
 * log(max / min) / (2α) entries; independent of how many values are added. Buckets are addressed by
 * an ordinal that increases with the value ({@link #ordinal}).
 */
final class JointHistogram implements java.io.Serializable {
  static final double ALPHA = 0.001;
  private static final double LOG_GAMMA = Math.log((1 + ALPHA) / (1 - ALPHA));

  /**
   * Ordinals: negative buckets below ZERO, positive above; bucket index i maps to ZERO ± (OFFSET +
   * i).
   */
  static final long ZERO = 0;

  private static final long OFFSET = 1L << 20;

  private final int classes;
  private final Side positive;
  private final Side negative;
  private final long[] zero;

  JointHistogram(int classes) {
    this.classes = classes;
    this.positive = new Side(classes);
    this.negative = new Side(classes);
    this.zero = new long[classes];
  }

  /** Returns the bucket ordinal of a value; ordinals increase with values. */
  static long ordinal(float v) {
    if (v == 0f) {
      return ZERO;
    }
    long index = OFFSET + (long) Math.ceil(Math.log(Math.abs((double) v)) / LOG_GAMMA);
    return v > 0 ? index : -index;
  }

  /** Returns the upper end of a bucket (inclusive), for reporting. */
  static double upperBound(long ordinal) {
    if (ordinal == ZERO) {
      return 0;
    }
    double magnitude = Math.exp((Math.abs(ordinal) - OFFSET) * LOG_GAMMA);
    return ordinal > 0 ? magnitude : -magnitude / Math.exp(LOG_GAMMA);
  }

  void add(float value, int annotationClass) {
    addOrdinal(ordinal(value), annotationClass);
  }

  /** Counts a value by its bucket ordinal ({@link #ordinal}), computed once by the caller. */
  void addOrdinal(long ordinal, int annotationClass) {
    if (ordinal == ZERO) {
      zero[annotationClass]++;
    } else if (ordinal > 0) {
      positive.add((int) (ordinal - OFFSET), annotationClass);
    } else {
      negative.add((int) (-ordinal - OFFSET), annotationClass);
    }
  }

  /** Adds another histogram's counts, its class c counted as class {@code remap[c]}. */
  void merge(JointHistogram other, int[] remap) {
    positive.merge(other.positive, remap);
    negative.merge(other.negative, remap);
    for (int c = 0; c < classes; c++) {
      zero[remap[c]] += other.zero[c];
    }
  }

  /** Returns how many buckets are allocated per class (for memory checks). */
  long allocatedBuckets() {
    return positive.allocated() + negative.allocated();
  }

  /** Visits every non-empty bucket in increasing value order with its per-class counts. */
  void forEachAscending(BucketVisitor visitor) {
    long[] counts = new long[classes];
    for (int i = negative.max; i >= negative.min && negative.counts != null; i--) {
      if (negative.fill(i, counts)) {
        visitor.visit(-(OFFSET + i), counts);
      }
    }
    if (Arrays.stream(zero).sum() > 0) {
      visitor.visit(ZERO, zero.clone());
    }
    for (int i = positive.min; i <= positive.max && positive.counts != null; i++) {
      if (positive.fill(i, counts)) {
        visitor.visit(OFFSET + i, counts);
      }
    }
  }

  /** Receives a bucket's ordinal and per-class counts (the array is reused between calls). */
  interface BucketVisitor {
    void visit(long ordinal, long[] counts);
  }

  /** One sign's buckets: counts[class][index - min], grown to the range seen. */
  private static final class Side implements java.io.Serializable {
    private final int classes;
    private long[][] counts;
    private int min;
    private int max = -1;

    Side(int classes) {
      this.classes = classes;
    }

    void add(int index, int annotationClass) {
      if (counts == null) {
        counts = new long[classes][64];
        min = index - 32;
        max = index;
      } else if (index < min || index >= min + counts[0].length) {
        grow(index);
      }
      counts[annotationClass][index - min]++;
      max = Math.max(max, index);
    }

    /** Extends the range to cover index, with slack on that side only (amortised doubling). */
    private void grow(int index) {
      int length = counts[0].length;
      int slack = Math.max(32, length / 2);
      int newMin = index < min ? index - slack : min;
      int newEnd = index >= min + length ? index + 1 + slack : min + length;
      for (int c = 0; c < classes; c++) {
        long[] grown = new long[newEnd - newMin];
        System.arraycopy(counts[c], 0, grown, min - newMin, length);
        counts[c] = grown;
      }
      min = newMin;
    }

    void merge(Side other, int[] remap) {
      if (other.counts == null) {
        return;
      }
      for (int i = other.min; i < other.min + other.counts[0].length; i++) {
        for (int c = 0; c < classes; c++) {
          long n = other.counts[c][i - other.min];
          if (n > 0) {
            add(i, remap[c]);
            counts[remap[c]][i - min] += n - 1;
          }
        }
      }
    }

    long allocated() {
      return counts == null ? 0 : counts[0].length;
    }

    boolean fill(int index, long[] out) {
      if (index < min || index >= min + counts[0].length) {
        return false;
      }
      boolean any = false;
      for (int c = 0; c < classes; c++) {
        out[c] = counts[c][index - min];
        any |= out[c] > 0;
      }
      return any;
    }
  }
}
