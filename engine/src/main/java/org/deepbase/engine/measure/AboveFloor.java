package org.deepbase.engine.measure;

/**
 * Pass one's values of a unit at or above a rising floor, kept while they fit in a bound: every
 * value fed whose bucket is at or above the latest floor is here, so when the threshold's ranks
 * turn out to lie at or above it, their values are known without another pass over the data.
 *
 * <p>A floor only rises (more values can only prove a higher one), so a value dropped below an
 * earlier floor is below every later one: pruning at each rise keeps the set complete. Exact zeros
 * are never kept (the histogram counts them, and a range that starts at them skips them). A floor
 * of {@link JointHistogram#ZERO} proves nothing: every non-zero value is kept. Past {@code
 * capacity} values the collection is given up for good ({@link #complete} is then false), so memory
 * stays bounded whatever the dataset's size.
 */
final class AboveFloor {
  private final int capacity;
  private float[] values;
  private int size;
  private long floor = JointHistogram.ZERO;
  private boolean givenUp;

  AboveFloor(int capacity) {
    this.capacity = capacity;
    this.values = new float[Math.max(1, Math.min(1024, capacity))];
  }

  /** Raises the floor to {@code floor} (never lowers it), dropping the values now below it. */
  void raise(long floor) {
    if (givenUp || floor <= this.floor) {
      return;
    }
    this.floor = floor;
    float limit = JointHistogram.above(floor - 1);
    int kept = 0;
    for (int i = 0; i < size; i++) {
      float v = values[i];
      if (v >= limit) {
        values[kept++] = v;
      }
    }
    size = kept;
  }

  /**
   * Keeps the values of {@code batch} at or above the floor; returns where they start among the
   * kept values ({@link #histogramFrom}), or -1 once the collection is given up.
   */
  int addAll(float[] batch) {
    if (givenUp) {
      return -1;
    }
    int first = size;
    boolean any = floor == JointHistogram.ZERO;
    float limit = any ? 0f : JointHistogram.above(floor - 1);
    for (float v : batch) {
      if (any ? v != 0f : v >= limit) {
        if (size == values.length) {
          if (size >= capacity) {
            giveUp();
            return -1;
          }
          values = java.util.Arrays.copyOf(values, Math.min(capacity, 2 * size));
        }
        values[size++] = v;
      }
    }
    return first;
  }

  /**
   * Returns the one-class histogram of a batch of {@code total} values whose values at or above the
   * floor (not {@link JointHistogram#ZERO}) are the kept ones from {@code first} on ({@link
   * #addAll}'s answer): those counted in their buckets, the rest lumped in the bucket below the
   * floor. The same counts as {@link UnitBatch#rawHistogramFrom} without another look at every
   * value: the kept ones are the few near and above the threshold.
   */
  JointHistogram histogramFrom(int first, long total) {
    if (givenUp || floor == JointHistogram.ZERO) {
      throw new IllegalStateException("no floor, or the values above it were given up");
    }
    return JointHistogram.fromFloor(values, first, size, floor, total);
  }

  /** Stops collecting and frees the values: a later pass will have to read them. */
  void giveUp() {
    givenUp = true;
    values = new float[0];
    size = 0;
  }

  /**
   * Returns whether every value fed in buckets [low, high] is here: the collection was not given
   * up, the range lies at or above the floor, and it leaves out the exact zeros (which are not
   * kept).
   */
  boolean complete(long low, long high) {
    boolean zerosInRange = low <= JointHistogram.ZERO && high >= JointHistogram.ZERO;
    return !givenUp && !zerosInRange && (floor == JointHistogram.ZERO || low >= floor);
  }

  /** Adds the kept values in buckets [low, high] to {@code out}, one class. */
  void copyRange(long low, long high, BucketValues out) {
    float from = JointHistogram.above(low - 1);
    float to = JointHistogram.above(high);
    for (int i = 0; i < size; i++) {
      float v = values[i];
      if (v >= from && v < to) {
        out.add(v, 0);
      }
    }
  }

  /** The floor: the bucket from which on values are kept. */
  long floor() {
    return floor;
  }

  /** The number of values kept. */
  int size() {
    return size;
  }
}
