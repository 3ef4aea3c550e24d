package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.extract.BilinearResize;

/**
 * One unit's values over a batch of records, with what depends on the unit only (moments,
 * per-record thresholds and firing counts) computed on first use and shared by every hypothesis and
 * measure the unit is compared with. Not thread-safe: one per (unit, batch) and thread.
 */
public final class UnitBatch {
  private @Nullable FloatBuffer values;
  private final @Nullable BilinearResize resize;
  private float @Nullable [] ownArray;
  private java.util.function.@Nullable IntFunction<float[]> ownArrays;
  private final Map<Range, Crossing> crossings = new HashMap<>();
  private long resizedCount;
  private double ownShift = Double.NaN;
  private float @Nullable [][] recordExtremes;

  /** The sum of the resized values minus {@link #ownShift}, exact arithmetic on the own grid. */
  private double resizedSum = Double.NaN;

  private final int records;
  private final int symbols;
  private final double momentsQuantile;
  private final FloatBuffer raw;
  private final int rawSymbols;
  private final Map<Double, SharedStats.Firing> firing = new HashMap<>();
  private SharedStats.@Nullable Unit moments;
  private float @Nullable [] scratch;
  private long @Nullable [] ordinals;
  private @Nullable JointHistogram histogram;
  private long @Nullable [] rawOrdinals;
  private @Nullable JointHistogram rawHistogram;
  private final Map<Range, int[]> inRange = new HashMap<>();

  /**
   * Null, or the own-grid cells (bits over record * rawSymbols + symbol) outside which every value
   * is 0, with none negative ({@link #zeroOutside}).
   */
  private long @Nullable [] nonZero;

  /** {@link #nonZero}'s cells listed, when first walked. */
  private @Nullable KeptCells kept;

  private @Nullable ZeroedArrays zeroedArrays;

  /** Per positions array (by identity): how many of its positions each hypothesis has on. */
  private final Map<int[], int[]> onCounts = new java.util.IdentityHashMap<>();

  /**
   * Wraps a unit's batch.
   *
   * @param momentsQuantile a quantile whose thresholds will be asked for anyway (NaN: none): the
   *     moments then come with them for free instead of taking their own pass
   */
  public UnitBatch(FloatBuffer values, int records, int symbols, double momentsQuantile) {
    this(values, records, symbols, momentsQuantile, values, symbols);
  }

  /**
   * Wraps a unit's batch whose values were resized to the annotation grid, with the values on the
   * layer's own grid.
   *
   * @param raw the values before resizing, record r's symbol s at {@code position() + r *
   *     rawSymbols + s}
   */
  public UnitBatch(
      FloatBuffer values,
      int records,
      int symbols,
      double momentsQuantile,
      FloatBuffer raw,
      int rawSymbols) {
    this(values, records, symbols, momentsQuantile, raw, rawSymbols, null);
  }

  /**
   * Wraps a unit's batch on the layer's own grid whose resized values are computed when first asked
   * for ({@link #values}); measures that need only the resized values above a threshold take them
   * from {@link #crossing} instead, which computes only those.
   */
  public UnitBatch(FloatBuffer raw, int records, double momentsQuantile, BilinearResize resize) {
    this(null, records, resize.symbols(), momentsQuantile, raw, resize.sourceSymbols(), resize);
  }

  private UnitBatch(
      @Nullable FloatBuffer values,
      int records,
      int symbols,
      double momentsQuantile,
      FloatBuffer raw,
      int rawSymbols,
      @Nullable BilinearResize resize) {
    this.values = values;
    this.resize = resize;
    this.records = records;
    this.symbols = symbols;
    this.momentsQuantile = momentsQuantile;
    this.raw = raw;
    this.rawSymbols = rawSymbols;
  }

  /** Returns the values on the layer's own grid (the values themselves when not resized). */
  public FloatBuffer raw() {
    return raw;
  }

  /** Returns symbols per record on the layer's own grid. */
  public int rawSymbols() {
    return rawSymbols;
  }

  /**
   * Returns the values: record r's symbol s at {@code position() + r * symbols + s} (resized on
   * first use when the batch was made on the layer's own grid).
   */
  public FloatBuffer values() {
    if (values == null) {
      BilinearResize plan = java.util.Objects.requireNonNull(resize);
      float[] own = ownArray();
      float[] out = new float[records * symbols];
      float[] scratch = plan.newScratch();
      for (int r = 0; r < records; r++) {
        plan.resize(own, r * rawSymbols, out, r * symbols, scratch);
      }
      values = FloatBuffer.wrap(out);
      resizedCount += out.length;
    }
    return values;
  }

  /** Returns how many resized values this batch has computed (on demand only; for tests). */
  long resizedCount() {
    return resizedCount;
  }

  /** Returns whether the resized values are computed on demand ({@link #crossing} applies). */
  boolean resizedOnDemand() {
    return resize != null;
  }

  /** Returns the mean of the values on the layer's own grid: a shift close to the resized mean. */
  double ownShift() {
    if (Double.isNaN(ownShift)) {
      float[] own = ownArray();
      double sum = 0;
      for (float v : own) {
        sum += v;
      }
      ownShift = own.length == 0 ? 0 : sum / own.length;
    }
    return ownShift;
  }

  /** Returns the sum of (resized value - {@link #ownShift}) of a batch resized on demand. */
  double resizedSumAroundShift() {
    if (Double.isNaN(resizedSum)) {
      BilinearResize plan = java.util.Objects.requireNonNull(resize, "not resized on demand");
      float[] own = ownArray();
      double sum = 0;
      for (int r = 0; r < records; r++) {
        sum += plan.sum(own, r * rawSymbols, ownShift());
      }
      resizedSum = sum;
    }
    return resizedSum;
  }

  /** Returns the resize plan when resized on demand, else null. */
  @Nullable BilinearResize resize() {
    return resize;
  }

  /**
   * Takes the array that {@link #ownArray} copies the values into from {@code arrays} (called with
   * the length it needs), for a caller that reuses one array per thread instead of allocating one
   * per unit and batch: the copies of a pass over 2,000 images were 4.5 GB of fresh, zeroed heap.
   * The caller must not use this batch once it hands the array to another.
   */
  public void copyOwnValuesInto(java.util.function.IntFunction<float[]> arrays) {
    ownArrays = arrays;
  }

  /**
   * Tells the batch that its own-grid values are 0 outside {@code cells} (bits over record *
   * rawSymbols + symbol) and nowhere negative, as a spill's sparse part reads back: the copy of the
   * values, their per-record extremes and the search for blocks reaching a positive limit then
   * visit those cells only, with the same results. The copy goes into an array of {@code arrays}
   * (null: a new one), under {@link #copyOwnValuesInto}'s terms.
   */
  public void zeroOutside(long[] cells, @Nullable ZeroedArrays arrays) {
    if (cells.length != (records * rawSymbols + 63) >>> 6) {
      throw new IllegalArgumentException(
          cells.length + " words of cells for " + records * rawSymbols + " values");
    }
    nonZero = cells;
    kept = null;
    zeroedArrays = arrays;
  }

  /** Returns {@link #nonZero}'s cells, listed once. */
  private KeptCells kept() {
    if (kept == null) {
      kept = KeptCells.of(java.util.Objects.requireNonNull(nonZero), records, rawSymbols);
    }
    return kept;
  }

  /** Returns the values on the layer's own grid as an array (copied once; do not modify). */
  float[] ownArray() {
    if (ownArray == null && nonZero != null) {
      int n = records * rawSymbols;
      KeptCells list = kept();
      float[] own = zeroedArrays != null ? zeroedArrays.take(n, list) : new float[n];
      int r0 = raw.position();
      int[] cells = list.cells();
      for (int i = 0, count = list.count(); i < count; i++) {
        own[cells[i]] = raw.get(r0 + cells[i]);
      }
      ownArray = own;
    }
    if (ownArray == null) {
      ownArray =
          ownArrays != null
              ? ownArrays.apply(records * rawSymbols)
              : new float[records * rawSymbols];
      raw.get(raw.position(), ownArray);
    }
    return ownArray;
  }

  /**
   * The resized values that reach a range of histogram buckets, without resizing the rest: {@code
   * above} holds the positions of the values in buckets above the range, {@code inRange} and {@code
   * inRangeValues} the positions and values of those in it (positions are record * symbols +
   * symbol).
   */
  record Crossing(int[] above, int[] inRange, float[] inRangeValues) {}

  /**
   * Returns the resized values in or above the bucket range [low, high], found once per range and
   * shared by every hypothesis: a block of resized cells whose four source corners all lie above
   * the range is above it, one whose corners all lie below is skipped, and only the cells of the
   * blocks the range cuts are computed (bit-identical to {@link #values}).
   */
  Crossing crossing(long low, long high) {
    return crossings.computeIfAbsent(new Range(low, high, false), range -> cross(low, high));
  }

  private Crossing cross(long low, long high) {
    BilinearResize plan = java.util.Objects.requireNonNull(resize, "not resized on demand");
    float[] own = ownArray();
    float highLimit = JointHistogram.above(high);
    IntList above = new IntList();
    IntList inRange = new IntList();
    FloatList inRangeValues = new FloatList();
    float lowLimit = JointHistogram.above(low - 1);
    float[] values = new float[plan.maxBlockCells()];
    int[] cells = new int[values.length];
    forEachBlockReaching(
        lowLimit,
        (offset, base, b, min, slack) -> {
          if (min - slack >= highLimit) {
            for (int i = plan.blockStart(b); i < plan.blockStart(b + 1); i++) {
              above.add(base + plan.blockCell(i));
            }
            return;
          }
          int n = plan.blockValuesReaching(own, offset, b, lowLimit, slack, values, cells);
          resizedCount += n;
          for (int k = 0; k < n; k++) {
            float v = values[k];
            if (v >= highLimit) {
              above.add(base + cells[k]);
            } else if (v >= lowLimit) {
              inRange.add(base + cells[k]);
              inRangeValues.add(v);
            }
          }
        });
    return new Crossing(above.toArray(), inRange.toArray(), inRangeValues.toArray());
  }

  /**
   * Returns the one-class histogram of the resized values in bucket {@code floor} and above, with
   * every value below it counted in bucket {@code floor - 1}: for a threshold known to lie at or
   * above the floor, the same ranks as {@link #histogram}, from the few blocks that reach the
   * floor.
   */
  JointHistogram histogramFrom(long floor) {
    BilinearResize plan = java.util.Objects.requireNonNull(resize, "not resized on demand");
    float[] own = ownArray();
    float lowLimit = JointHistogram.above(floor - 1);
    float max = 0;
    float maxAbs = 0;
    float[][] extremes = recordExtremes();
    for (int r = 0; r < records; r++) {
      max = Math.max(max, extremes[0][r]);
      maxAbs = Math.max(maxAbs, extremes[1][r]);
    }
    // Every value counted lies in [lowLimit, max + rounding]: buckets allocated once.
    JointHistogram.Counter h =
        new JointHistogram.Counter(
            floor - 1, JointHistogram.ordinal(max + BilinearResize.slack(maxAbs)));
    float[] values = new float[plan.maxBlockCells()];
    int[] cells = new int[values.length];
    forEachBlockReaching(
        lowLimit,
        (offset, base, b, min, slack) -> {
          int n = plan.blockValuesReaching(own, offset, b, lowLimit, slack, values, cells);
          resizedCount += n;
          for (int k = 0; k < n; k++) {
            h.countAtLeast(values[k], lowLimit);
          }
        });
    return h.histogram((long) records * symbols);
  }

  /**
   * Receives a block that may reach the limit: its record's offsets on the own and resized grids,
   * the block, its corners' minimum and their rounding slack.
   */
  private interface BlockVisitor {
    void visit(int offset, int base, int block, float min, float slack);
  }

  /**
   * Visits, record by record, the blocks whose four source corners may reach {@code lowLimit} (up
   * to rounding), found from the few source cells that do rather than by scanning every block.
   */
  private void forEachBlockReaching(float lowLimit, BlockVisitor visitor) {
    BilinearResize plan = java.util.Objects.requireNonNull(resize, "not resized on demand");
    float[] own = ownArray();
    int h = plan.sourceRows();
    int w = rawSymbols / h;
    boolean[] marked = new boolean[rawSymbols];
    IntList blocks = new IntList();
    float[][] extremes = recordExtremes();
    for (int r = 0; r < records; r++) {
      int offset = r * rawSymbols;
      int base = r * symbols;
      // A block may reach lowLimit only if a corner does, up to rounding: mark the blocks around
      // the few source cells that do, and look at those only. Most records of a unit have none.
      float floor = lowLimit - BilinearResize.slack(extremes[1][r]);
      if (extremes[0][r] < floor) {
        continue;
      }
      blocks.clear();
      if (nonZero != null && floor > 0) {
        // Every other value is 0, below the floor.
        int[] cells = kept().cells();
        int[] start = kept().recordStart();
        for (int i = start[r]; i < start[r + 1]; i++) {
          if (own[cells[i]] >= floor) {
            markBlocksAround(cells[i] - offset, w, marked, blocks);
          }
        }
      } else {
        for (int i = 0; i < rawSymbols; i++) {
          if (own[offset + i] >= floor) {
            markBlocksAround(i, w, marked, blocks);
          }
        }
      }
      for (int k = 0; k < blocks.size(); k++) {
        int b = blocks.get(k);
        marked[b] = false;
        if (plan.blockStart(b) == plan.blockStart(b + 1)) {
          continue;
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < 4; c++) {
          float v = plan.corner(own, offset, b, c);
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        float slack = BilinearResize.slack(Math.max(Math.abs(min), Math.abs(max)));
        if (max + slack >= lowLimit) {
          visitor.visit(offset, base, b, min, slack);
        }
      }
    }
  }

  /** Marks the (up to four) blocks that have own-grid cell {@code i} as a corner, once each. */
  private static void markBlocksAround(int i, int w, boolean[] marked, IntList blocks) {
    int y = i / w;
    int x = i - y * w;
    for (int by = Math.max(0, y - 1); by <= y; by++) {
      for (int bx = Math.max(0, x - 1); bx <= x; bx++) {
        int b = by * w + bx;
        if (!marked[b]) {
          marked[b] = true;
          blocks.add(b);
        }
      }
    }
  }

  /**
   * Returns, per bit of a batch's on sets, how many of {@code positions} (one of this unit's
   * crossings) have that hypothesis on: counted once, then shared by every hypothesis of the batch.
   */
  int[] onCounts(int[] positions, SharedStats.OnSets sets) {
    return onCounts.computeIfAbsent(positions, sets::count);
  }

  /** Per record: {greatest own-grid value, greatest magnitude}, found once per unit batch. */
  private float[][] recordExtremes() {
    if (recordExtremes == null) {
      float[] own = ownArray();
      float[] max = new float[records];
      float[] maxAbs = new float[records];
      if (nonZero != null) {
        // No value is negative: the greatest magnitude is the greatest value, 0 or a kept one.
        int[] cells = kept().cells();
        int[] start = kept().recordStart();
        for (int r = 0; r < records; r++) {
          float m = 0;
          for (int i = start[r]; i < start[r + 1]; i++) {
            float v = own[cells[i]];
            m = v > m ? v : m;
          }
          max[r] = m;
          maxAbs[r] = m;
        }
        recordExtremes = new float[][] {max, maxAbs};
        return recordExtremes;
      }
      for (int r = 0; r < records; r++) {
        // Plain comparisons (hot: every value of every unit batch): 1.6x faster than Math.max and
        // Math.abs here, which also order NaN and -0; a NaN behavior has no meaningful score.
        float m = Float.NEGATIVE_INFINITY;
        float n = Float.POSITIVE_INFINITY;
        for (int i = r * rawSymbols; i < (r + 1) * rawSymbols; i++) {
          float v = own[i];
          m = v > m ? v : m;
          n = v < n ? v : n;
        }
        max[r] = m;
        maxAbs[r] = rawSymbols == 0 ? 0 : Math.max(Math.abs(m), Math.abs(n));
      }
      recordExtremes = new float[][] {max, maxAbs};
    }
    return recordExtremes;
  }

  /** A growable int array (positions are many and hot: no boxing). */
  private static final class IntList {
    private int[] items = new int[16];
    private int size;

    void add(int v) {
      if (size == items.length) {
        items = java.util.Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(items, size);
    }

    int size() {
      return size;
    }

    int get(int i) {
      return items[i];
    }

    void clear() {
      size = 0;
    }
  }

  /** A growable float array. */
  private static final class FloatList {
    private float[] items = new float[16];
    private int size;

    void add(float v) {
      if (size == items.length) {
        items = java.util.Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(items, size);
    }
  }

  public int records() {
    return records;
  }

  public int symbols() {
    return symbols;
  }

  /**
   * Returns the per-record thresholds and firing counts at a quantile; the unit's moments come
   * along.
   */
  public SharedStats.Firing firing(double quantile) {
    return firing.computeIfAbsent(
        quantile,
        q -> {
          if (scratch == null) {
            scratch = new float[symbols];
          }
          SharedStats.Unit[] out = new SharedStats.Unit[1];
          SharedStats.Firing f =
              SharedStats.unitAndFiring(values(), records, symbols, q, scratch, out);
          if (moments == null && resize == null) {
            moments = out[0];
          }
          return f;
        });
  }

  /**
   * Returns each value's histogram bucket ordinal, computed once (a logarithm per value) and shared
   * by every hypothesis a dataset-threshold measure compares the unit with.
   */
  long[] ordinals() {
    if (ordinals == null) {
      ordinals = ordinalsOf(values(), records * symbols);
    }
    return ordinals;
  }

  /** Returns the values' one-class histogram, counted once and shared like {@link #ordinals}. */
  JointHistogram histogram() {
    if (histogram == null) {
      // Resized on demand and not needed whole elsewhere: count the values without keeping them.
      if (resize != null && values == null && ordinals == null) {
        histogram = JointHistogram.ofResized(ownArray(), records, resize);
        resizedCount += (long) records * symbols;
      } else {
        histogram = JointHistogram.ofOrdinals(ordinals());
      }
    }
    return histogram;
  }

  /** Returns the bucket ordinals of the values on the layer's own grid ({@link #raw}). */
  long[] rawOrdinals() {
    if (raw == values && resize == null) {
      return ordinals();
    }
    if (rawOrdinals == null) {
      rawOrdinals = ordinalsOf(raw, records * rawSymbols);
    }
    return rawOrdinals;
  }

  /** Returns the one-class histogram of the values on the layer's own grid. */
  JointHistogram rawHistogram() {
    if (raw == values && resize == null) {
      return histogram();
    }
    if (rawHistogram == null) {
      // Resized on demand, the own grid's ordinals are not kept: counted straight from the values.
      rawHistogram =
          resize != null
              ? JointHistogram.ofValues(ownArray())
              : JointHistogram.ofOrdinals(rawOrdinals());
    }
    return rawHistogram;
  }

  /**
   * Returns the one-class histogram of the values on the layer's own grid in bucket {@code floor}
   * and above, with every value below it counted in bucket {@code floor - 1}: {@link
   * #rawHistogram}'s ranks at and above the floor, one comparison per value below it (most of them)
   * instead of a bucket lookup.
   */
  JointHistogram rawHistogramFrom(long floor) {
    float[] own = ownArray();
    return JointHistogram.fromFloor(own, 0, own.length, floor, (long) records * rawSymbols);
  }

  /**
   * Returns the positions of the values whose bucket ordinal lies in [low, high], found once per
   * range: the second pass of every hypothesis the unit is compared with looks only at these.
   *
   * @param ownGrid whether to look at the values on the layer's own grid ({@link #raw})
   */
  int[] positionsIn(long low, long high, boolean ownGrid) {
    return inRange.computeIfAbsent(
        new Range(low, high, ownGrid),
        range -> {
          if (ownGrid && resize != null) {
            return positionsIn(ownArray(), low, high);
          }
          long[] o = ownGrid ? rawOrdinals() : ordinals();
          int found = 0;
          for (long x : o) {
            found += x >= low && x <= high ? 1 : 0;
          }
          int[] out = new int[found];
          int k = 0;
          for (int i = 0; i < o.length; i++) {
            if (o[i] >= low && o[i] <= high) {
              out[k++] = i;
            }
          }
          return out;
        });
  }

  private record Range(long low, long high, boolean ownGrid) {}

  /**
   * The positions of the values whose ordinals lie in [low, high], found by comparing each value
   * with the range's ends ({@link JointHistogram#above}) instead of computing its ordinal.
   */
  private static int[] positionsIn(float[] values, long low, long high) {
    IntList out = new IntList();
    float from = JointHistogram.above(low - 1);
    float to = JointHistogram.above(high);
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (v >= from && v < to) {
        out.add(i);
      }
    }
    return out.toArray();
  }

  private static long[] ordinalsOf(FloatBuffer buffer, int n) {
    int v0 = buffer.position();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = JointHistogram.ordinal(buffer.get(v0 + i));
    }
    return out;
  }

  /**
   * Returns the unit's mean and squared deviations over the batch. Resized on demand, they are
   * computed on the layer's own grid in exact arithmetic ({@link BilinearResize#sum}, {@link
   * BilinearResize#squaredNorm}) around {@link #ownShift}: no value is resized for them.
   */
  public SharedStats.Unit moments() {
    if (moments == null && resize != null) {
      float[] own = ownArray();
      double shift = ownShift();
      double[] scratch = new double[2 * rawSymbols];
      double sum = resizedSumAroundShift();
      double squares = 0;
      for (int r = 0; r < records; r++) {
        squares += resize.squaredNorm(own, r * rawSymbols, shift, scratch);
      }
      int n = records * symbols;
      moments = new SharedStats.Unit(n, shift + sum / n, Math.max(0, squares - sum * sum / n), 0);
    }
    if (moments == null) {
      if (Double.isNaN(momentsQuantile)) {
        moments = SharedStats.Unit.of(values(), records * symbols);
      } else {
        firing(momentsQuantile);
      }
    }
    return moments;
  }
}
