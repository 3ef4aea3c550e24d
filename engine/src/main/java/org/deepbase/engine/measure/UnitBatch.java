package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One unit's values over a batch of records, with what depends on the unit only (moments,
 * per-record thresholds and firing counts) computed on first use and shared by every hypothesis and
 * measure the unit is compared with. Not thread-safe: one per (unit, batch) and thread.
 */
public final class UnitBatch {
  private final FloatBuffer values;
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
    this.values = values;
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

  /** Returns the values: record r's symbol s at {@code position() + r * symbols + s}. */
  public FloatBuffer values() {
    return values;
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
              SharedStats.unitAndFiring(values, records, symbols, q, scratch, out);
          if (moments == null) {
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
      ordinals = ordinalsOf(values, records * symbols);
    }
    return ordinals;
  }

  /** Returns the values' one-class histogram, counted once and shared like {@link #ordinals}. */
  JointHistogram histogram() {
    if (histogram == null) {
      histogram = JointHistogram.ofOrdinals(ordinals());
    }
    return histogram;
  }

  /** Returns the bucket ordinals of the values on the layer's own grid ({@link #raw}). */
  long[] rawOrdinals() {
    if (raw == values) {
      return ordinals();
    }
    if (rawOrdinals == null) {
      rawOrdinals = ordinalsOf(raw, records * rawSymbols);
    }
    return rawOrdinals;
  }

  /** Returns the one-class histogram of the values on the layer's own grid. */
  JointHistogram rawHistogram() {
    if (raw == values) {
      return histogram();
    }
    if (rawHistogram == null) {
      rawHistogram = JointHistogram.ofOrdinals(rawOrdinals());
    }
    return rawHistogram;
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

  private static long[] ordinalsOf(FloatBuffer buffer, int n) {
    int v0 = buffer.position();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = JointHistogram.ordinal(buffer.get(v0 + i));
    }
    return out;
  }

  /** Returns the unit's mean and squared deviations over the batch. */
  public SharedStats.Unit moments() {
    if (moments == null) {
      if (Double.isNaN(momentsQuantile)) {
        moments = SharedStats.Unit.of(values, records * symbols);
      } else {
        firing(momentsQuantile);
      }
    }
    return moments;
  }
}
