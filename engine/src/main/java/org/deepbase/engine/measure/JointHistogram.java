package org.deepbase.engine.measure;

import java.util.Arrays;
import org.deepbase.engine.extract.BilinearResize;

/**
 * Counts values per (value bucket, annotation class) with relative accuracy: each power of two of
 * positive values is cut into 2^{@value #SUB_BITS} buckets of equal width (HdrHistogram's layout,
 * read straight from the float's bits: a bucket is the float's exponent and its top mantissa bits),
 * so a bucket's width is at most 2^-{@value #SUB_BITS} (~0.2 %) of its values. Negative values
 * mirror that, and exact zeros have a bucket of their own. The ordinal of a value is a shift of its
 * bits, not a logarithm: it is the hottest operation of dataset-threshold measures, once per value.
 *
 * <p>Memory: two growable arrays of longs per class spanning the buckets actually hit, about 512
 * entries per power of two between the smallest and largest magnitude; independent of how many
 * values are added. Buckets are addressed by an ordinal that increases with the value ({@link
 * #ordinal}).
 */
final class JointHistogram implements java.io.Serializable {
  /** Mantissa bits that select a bucket within a power of two. */
  static final int SUB_BITS = 9;

  private static final int SHIFT = 23 - SUB_BITS;

  /**
   * Ordinals: negative buckets below ZERO, positive above; bucket index i maps to ZERO ± (OFFSET +
   * i).
   */
  static final long ZERO = 0;

  private static final long OFFSET = 1;

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

  /**
   * Returns the bucket ordinal of a value; ordinals increase with values (the bits of non-negative
   * floats order as their values do).
   */
  static long ordinal(float v) {
    if (v == 0f) {
      return ZERO;
    }
    long index = OFFSET + ((Float.floatToRawIntBits(v) & 0x7fffffff) >>> SHIFT);
    return v > 0 ? index : -index;
  }

  /**
   * Returns the least float whose ordinal exceeds {@code ordinal}: for any non-NaN v, {@code
   * ordinal(v) > ordinal} exactly when {@code v >= above(ordinal)}.
   */
  static float above(long ordinal) {
    if (ordinal == ZERO) {
      return Float.MIN_VALUE;
    }
    if (ordinal > ZERO) {
      long bits = (ordinal - OFFSET + 1) << SHIFT;
      return bits >= 0x7f800000L ? Float.POSITIVE_INFINITY : Float.intBitsToFloat((int) bits);
    }
    long index = -ordinal;
    if (index == OFFSET) {
      return 0f;
    }
    // The most negative value of the next bucket up: magnitude just below this bucket's least.
    return -Float.intBitsToFloat((int) (((index - OFFSET) << SHIFT) - 1));
  }

  /** Returns the number of annotation classes counted. */
  int classes() {
    return classes;
  }

  /** Returns how many exact zeros of a class were counted. */
  long zeros(int annotationClass) {
    return zero[annotationClass];
  }

  /**
   * Counts a unit's values resized on demand (one class) without storing them: each output row is
   * counted as soon as it is computed, into buckets sized once from the source values' range
   * (interpolated values stay within it, up to the rounding {@link BilinearResize#slack} covers).
   *
   * @param own records x source symbols, row-major per record
   */
  static JointHistogram ofResized(float[] own, int records, BilinearResize plan) {
    JointHistogram h = new JointHistogram(1);
    if (own.length == 0) {
      return h;
    }
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : own) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    float slack = BilinearResize.slack(Math.max(Math.abs(min), Math.abs(max)));
    long lo = ordinal(min - slack);
    long hi = ordinal(max + slack);
    if (hi > ZERO) {
      h.positive.reserve((int) (Math.max(lo, OFFSET) - OFFSET), (int) (hi - OFFSET));
    }
    if (lo < ZERO) {
      h.negative.reserve((int) (Math.max(-hi, OFFSET) - OFFSET), (int) (-lo - OFFSET));
    }
    long[] pos = hi > ZERO ? h.positive.counts[0] : new long[0];
    long[] neg = lo < ZERO ? h.negative.counts[0] : new long[0];
    long posBase = OFFSET + h.positive.min;
    long negBase = OFFSET + h.negative.min;
    long zeros = 0;
    float[] scratch = plan.newScratch();
    float[] row = new float[plan.columns()];
    for (int r = 0; r < records; r++) {
      plan.horizontal(own, r * plan.sourceSymbols(), scratch);
      for (int y = 0; y < plan.rows(); y++) {
        plan.row(scratch, y, row, 0);
        for (float v : row) {
          if (v == 0f) {
            zeros++;
            continue;
          }
          long index = OFFSET + ((Float.floatToRawIntBits(v) & 0x7fffffff) >>> SHIFT);
          if (v > 0) {
            pos[(int) (index - posBase)]++;
          } else {
            neg[(int) (index - negBase)]++;
          }
        }
      }
    }
    h.zero[0] = zeros;
    return h;
  }

  /**
   * Counts positive values at or above a limit into buckets allocated once for [low, high], the
   * values below the limit lumped into bucket {@code low} when the histogram is made: the hot loop
   * of pass one above a proven floor, a plain array increment per value.
   */
  static final class Counter {
    private final JointHistogram histogram = new JointHistogram(1);
    private final long[] counts;
    private final long base;
    private long counted;

    Counter(long low, long high) {
      histogram.positive.reserve((int) (low - OFFSET), (int) (Math.max(low, high) - OFFSET));
      counts = histogram.positive.counts[0];
      base = low;
    }

    /** Counts v if it is at least {@code limit} (a positive limit within the allocated buckets). */
    void countAtLeast(float v, float limit) {
      if (v >= limit) {
        counts[(int) (OFFSET + ((Float.floatToRawIntBits(v) & 0x7fffffff) >>> SHIFT) - base)]++;
        counted++;
      }
    }

    /** Returns the histogram, the values not counted lumped in bucket {@code low}. */
    JointHistogram histogram(long total) {
      counts[0] += total - counted;
      return histogram;
    }
  }

  /**
   * Returns the one-class histogram of {@code total} values of which {@code values[from, to)}
   * include every one in bucket {@code floor} and above: those counted in their buckets, every
   * other value lumped in bucket {@code floor - 1}. For a threshold known to lie at or above the
   * floor, the same ranks as counting every value.
   */
  static JointHistogram fromFloor(float[] values, int from, int to, long floor, long total) {
    float lowLimit = above(floor - 1);
    // Only the greatest value sizes the buckets: one comparison per value.
    float max = Float.NEGATIVE_INFINITY;
    for (int i = from; i < to; i++) {
      max = values[i] > max ? values[i] : max;
    }
    Counter h = new Counter(floor - 1, ordinal(max));
    if (max >= lowLimit) {
      for (int i = from; i < to; i++) {
        h.countAtLeast(values[i], lowLimit);
      }
    }
    return h.histogram(total);
  }

  /**
   * Counts values in one class, sized once to the range they span, without keeping their ordinals:
   * what {@link #ofOrdinals} of their ordinals counts.
   */
  static JointHistogram ofValues(float[] values) {
    Sizing sizing = new Sizing();
    for (float v : values) {
      sizing.see(ordinal(v));
    }
    sizing.allocate();
    for (float v : values) {
      sizing.count(ordinal(v));
    }
    return sizing.histogram;
  }

  /** Counts values given by their ordinals in one class, sized once to the range they span. */
  static JointHistogram ofOrdinals(long[] ordinals) {
    Sizing sizing = new Sizing();
    for (long o : ordinals) {
      sizing.see(o);
    }
    sizing.allocate();
    for (long o : ordinals) {
      sizing.count(o);
    }
    return sizing.histogram;
  }

  /**
   * A one-class histogram built in two passes: the ordinals' range first, then counts into buckets
   * allocated once for it. The hottest loop of a dataset-threshold measure: plain array increments,
   * no range checks.
   */
  private static final class Sizing {
    final JointHistogram histogram = new JointHistogram(1);
    private long posMin = Long.MAX_VALUE;
    private long posMax = Long.MIN_VALUE;
    private long negMin = Long.MAX_VALUE;
    private long negMax = Long.MIN_VALUE;
    private long[] pos = new long[0];
    private long[] neg = new long[0];
    private long posBase;
    private long negBase;

    void see(long o) {
      if (o > 0) {
        posMin = Math.min(posMin, o);
        posMax = Math.max(posMax, o);
      } else if (o < 0) {
        negMin = Math.min(negMin, -o);
        negMax = Math.max(negMax, -o);
      }
    }

    void allocate() {
      if (posMax > 0) {
        histogram.positive.reserve((int) (posMin - OFFSET), (int) (posMax - OFFSET));
        pos = histogram.positive.counts[0];
      }
      if (negMax > 0) {
        histogram.negative.reserve((int) (negMin - OFFSET), (int) (negMax - OFFSET));
        neg = histogram.negative.counts[0];
      }
      posBase = OFFSET + histogram.positive.min;
      negBase = OFFSET + histogram.negative.min;
    }

    void count(long o) {
      if (o > 0) {
        pos[(int) (o - posBase)]++;
      } else if (o < 0) {
        neg[(int) (-o - negBase)]++;
      } else {
        histogram.zero[0]++;
      }
    }
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

  /** Counts {@code n} values of one bucket (a batch's values below a proven floor, lumped). */
  void addOrdinal(long ordinal, int annotationClass, long n) {
    if (n == 0) {
      return;
    }
    if (ordinal == ZERO) {
      zero[annotationClass] += n;
    } else if (ordinal > 0) {
      positive.add((int) (ordinal - OFFSET), annotationClass, n);
    } else {
      negative.add((int) (-ordinal - OFFSET), annotationClass, n);
    }
  }

  /**
   * Returns the highest positive bucket above the first such that at least {@code need} values lie
   * in it or above, or {@link #ZERO} when there is none: values below it may be counted as one lump
   * when the threshold is known to be at least that high.
   */
  long floorFor(long need) {
    // Walked down from the top: called once per unit and batch, it visits only the buckets above
    // the floor (walking all of them, and summing them first, was ~40 % of an exact pass's time).
    long atOrAbove = 0;
    for (int i = positive.max; i >= positive.min && positive.counts != null; i--) {
      long n = positive.count(i);
      atOrAbove += n;
      if (n > 0 && atOrAbove >= need) {
        return i > 0 ? OFFSET + i : ZERO;
      }
    }
    return ZERO;
  }

  /**
   * Returns the ordinal of the first non-empty bucket above {@code ordinal}, or {@code ordinal}
   * itself when there is none: walks up from it instead of visiting every bucket.
   */
  long nextAbove(long ordinal) {
    if (ordinal < ZERO && negative.counts != null) {
      for (int i = (int) Math.min(-ordinal - OFFSET - 1, negative.max); i >= negative.min; i--) {
        if (negative.count(i) > 0) {
          return -(OFFSET + i);
        }
      }
    }
    if (ordinal < ZERO && Arrays.stream(zero).sum() > 0) {
      return ZERO;
    }
    if (positive.counts != null) {
      int from = ordinal < ZERO ? positive.min : (int) Math.max(ordinal - OFFSET + 1, positive.min);
      for (int i = from; i <= positive.max; i++) {
        if (positive.count(i) > 0) {
          return OFFSET + i;
        }
      }
    }
    return ordinal;
  }

  /**
   * Adds every count of a one-class histogram to class {@code annotationClass}: a unit's values
   * counted once per batch and shared by the pairs the unit is in.
   */
  void addAll(JointHistogram oneClass, int annotationClass) {
    positive.addAll(oneClass.positive, annotationClass);
    negative.addAll(oneClass.negative, annotationClass);
    zero[annotationClass] += oneClass.zero[0];
  }

  /** Moves one count of a bucket from one class to another (the bucket must hold it). */
  void move(long ordinal, int from, int to) {
    if (ordinal == ZERO) {
      zero[from]--;
      zero[to]++;
    } else if (ordinal > 0) {
      positive.move((int) (ordinal - OFFSET), from, to);
    } else {
      negative.move((int) (-ordinal - OFFSET), from, to);
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

    /** Allocates buckets [low, high], both of which are about to be counted. */
    void reserve(int low, int high) {
      counts = new long[classes][high - low + 1];
      min = low;
      max = high;
    }

    void add(int index, int annotationClass) {
      add(index, annotationClass, 1);
    }

    void add(int index, int annotationClass, long n) {
      cover(index);
      counts[annotationClass][index - min] += n;
    }

    long total() {
      long sum = 0;
      for (int c = 0; counts != null && c < classes; c++) {
        for (long n : counts[c]) {
          sum += n;
        }
      }
      return sum;
    }

    /**
     * Makes bucket {@code index} addressable (allocating or growing) and counts it in the range.
     */
    private void cover(int index) {
      if (counts == null) {
        counts = new long[classes][64];
        min = index - 32;
        max = index;
      } else if (index < min || index >= min + counts[0].length) {
        grow(index);
      }
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

    void addAll(Side other, int annotationClass) {
      if (other.counts == null) {
        return;
      }
      cover(other.min);
      cover(other.max);
      long[] source = other.counts[0];
      long[] target = counts[annotationClass];
      int shift = other.min - min;
      for (int i = 0; i <= other.max - other.min; i++) {
        target[i + shift] += source[i];
      }
    }

    void move(int index, int from, int to) {
      counts[from][index - min]--;
      counts[to][index - min]++;
    }

    void merge(Side other, int[] remap) {
      if (other.counts == null) {
        return;
      }
      for (int i = other.min; i < other.min + other.counts[0].length; i++) {
        for (int c = 0; c < classes; c++) {
          long n = other.counts[c][i - other.min];
          if (n > 0) {
            add(i, remap[c], n);
          }
        }
      }
    }

    /** Returns a bucket's count summed over the classes (0 outside the allocated range). */
    long count(int index) {
      if (counts == null || index < min || index >= min + counts[0].length) {
        return 0;
      }
      long sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += counts[c][index - min];
      }
      return sum;
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
