package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the hypotheses of one unit share for a dataset-threshold measure over values resized on
 * demand (a {@link ThresholdAccumulator}'s blockwise mode): the histogram of the values whose
 * quantile is the threshold (resized, or raw in the raw convention), fed once per unit batch and
 * merged once per other group; where the threshold falls in it; pass two's collections; and the
 * exact threshold. Each accumulator has its own until {@link ThresholdAccumulator#shareWith} joins
 * it to a sibling's: 12 hypotheses of 960 units then keep 960 histograms, not 11,520.
 */
final class ThresholdSiblings implements java.io.Serializable {
  private @Nullable JointHistogram histogram;
  private transient @Nullable Object lastFed;
  private transient java.util.@Nullable Set<ThresholdSiblings> merged;

  /** Where the threshold falls, for siblings that counted {@code locatedCount} values. */
  private transient ThresholdAccumulator.@Nullable Position located;

  private transient long locatedCount;
  private transient ThresholdAccumulator.@Nullable RawRanks rawRanks;
  private transient long rawRanksCount;

  JointHistogram histogram() {
    if (histogram == null) {
      histogram = new JointHistogram(1);
    }
    return histogram;
  }

  /**
   * The most values (records x symbols) a floor was proven for; 0 while no floor was used. A
   * dataset that turned out larger would void the proof: {@link #checkProven} checks.
   */
  private long provenFor;

  /**
   * Counts a unit batch's resized values (DeepBase's convention) unless a sibling already did. Once
   * the values counted so far put enough of them in a bucket F or above, the threshold of a dataset
   * of at most {@code recordsAtMost} records is proven to lie in F or above whatever the remaining
   * records hold (their values can only add to the count above F): the values below F are then
   * counted as one lump and their blocks never resized.
   */
  void feedResized(UnitBatch unit, double quantile, long recordsAtMost) {
    if (lastFed == unit) {
      return;
    }
    symbolsFed = unit.symbols();
    long floor = provenFloor(quantile, recordsAtMost * unit.symbols());
    feed(unit, floor == JointHistogram.ZERO ? unit.histogram() : unit.histogramFrom(floor));
  }

  /**
   * Counts a unit batch's values on the layer's own grid (NetDissect-Lite's convention) unless a
   * sibling already did, lumping the values below a proven floor as {@link #feedResized} does.
   */
  void feedRaw(UnitBatch unit, double quantile, long recordsAtMost) {
    if (lastFed == unit) {
      return;
    }
    symbolsFed = unit.rawSymbols();
    long most = recordsAtMost * unit.rawSymbols();
    long floor = provenFloor(quantile, most);
    int first = keepAboveFloor(unit, floor, quantile, most);
    AboveFloor kept = aboveFloor;
    long total = (long) unit.records() * unit.rawSymbols();
    // The values at or above the floor were just kept: counted from there, not from every value.
    feed(
        unit,
        floor == JointHistogram.ZERO
            ? unit.rawHistogram()
            : first >= 0 && kept != null && kept.floor() == floor
                ? kept.histogramFrom(first, total)
                : unit.rawHistogramFrom(floor));
  }

  /**
   * Raw convention, pass one: the raw values at or above the proven floor, while they fit in a
   * batch's worth of the unit's values. The floor stays near the threshold's rank, so they are
   * about (1 - q) of the dataset's values: kept when that is at most half a batch, the threshold is
   * exact after pass one and the pass that would collect its range is skipped ({@link
   * #rawRangeFromPassOne}). Not serialised: a group sent elsewhere collects in pass two.
   */
  private transient @Nullable AboveFloor aboveFloor;

  private transient boolean rawRangeFromAboveFloor;

  /**
   * Keeps the batch's values at or above the floor; returns where they start among the kept ones
   * ({@link AboveFloor#addAll}), or -1 when they are not kept.
   */
  private int keepAboveFloor(UnitBatch unit, long floor, double quantile, long most) {
    if (aboveFloor == null) {
      int batch = unit.records() * unit.rawSymbols();
      long need = most - (long) Math.floor(quantile * (most - 1));
      aboveFloor = new AboveFloor(batch);
      if (histogram != null || most <= 0 || need > batch / 2) {
        // Not from the first batch on, the dataset's size unknown, or too many to keep.
        aboveFloor.giveUp();
        return -1;
      }
    }
    aboveFloor.raise(floor);
    return aboveFloor.addAll(unit.ownArray());
  }

  /**
   * Raw convention: fills pass two's collection ({@link #rawRange}) with pass one's raw values in
   * buckets [low, high] when pass one kept all of them, and returns whether it did.
   */
  boolean rawRangeFromPassOne(long low, long high) {
    if (!rawRangeFromAboveFloor) {
      if (aboveFloor == null || !aboveFloor.complete(low, high)) {
        return false;
      }
      aboveFloor.copyRange(low, high, rawRange);
      aboveFloor.giveUp();
      rawRangeFromAboveFloor = true;
    }
    return true;
  }

  /** Values per record that the last batch fed counted (own-grid or resized); 0 before any. */
  private transient int symbolsFed;

  /** The batch {@link #needFrom} was computed after, and the limit. */
  private transient @Nullable Object needFromAfter;

  private transient float needFrom;

  /**
   * See {@link ThresholdAccumulator#laterPassesNeedFrom}. Computed once per batch fed for all the
   * siblings: the floor's walk down the histogram, per hypothesis and batch, cost 3 s of a 50 s
   * run.
   */
  float laterPassesNeedFrom(double quantile, long recordsAtMost) {
    if (needFromAfter == null || needFromAfter != lastFed) {
      long floor = provenFloor(quantile, recordsAtMost * symbolsFed);
      needFrom =
          floor > JointHistogram.ZERO + 1
              ? JointHistogram.above(floor - 2)
              : Float.NEGATIVE_INFINITY;
      needFromAfter = lastFed;
    }
    return needFrom;
  }

  /**
   * Returns the highest bucket the threshold of at most {@code most} values is proven to lie in or
   * above, given the values counted so far ({@link JointHistogram#ZERO} when none is), and
   * remembers what it was proven for.
   */
  private long provenFloor(double quantile, long most) {
    if (most <= 0 || histogram == null) {
      return JointHistogram.ZERO;
    }
    long lo = (long) Math.floor(quantile * (most - 1));
    long floor = histogram.floorFor(most - lo);
    if (floor != JointHistogram.ZERO) {
      provenFor = Math.max(provenFor, most);
    }
    return floor;
  }

  /** Fails when more values came than the floor was proven for. */
  void checkProven(String name, long values) {
    if (provenFor > 0 && values > provenFor) {
      throw new IllegalStateException(
          name
              + ": the dataset gave "
              + values
              + " values, more than the "
              + provenFor
              + " its threshold's floor was proven for");
    }
  }

  /** Counts a unit batch's values unless a sibling already did. */
  void feed(UnitBatch unit, JointHistogram values) {
    if (lastFed != unit) {
      lastFed = unit;
      histogram().addAll(values, 0);
      located = null;
      rawRanks = null;
    }
  }

  /**
   * Raw convention, pass two: the unit's raw values in the threshold's range, collected once per
   * unit batch (they do not depend on the hypothesis) and merged once per other group.
   */
  private final BucketValues rawRange = new BucketValues();

  private transient @Nullable Object lastCollected;
  private transient java.util.@Nullable Set<ThresholdSiblings> mergedCollected;

  /**
   * The exact threshold after pass two (either convention), for siblings that counted {@code
   * thresholdFor} values.
   */
  private double threshold = Double.NaN;

  private long thresholdFor = -1;

  /** Collects a unit batch's raw values in [low, high] unless a sibling already did. */
  void collectRaw(UnitBatch unit, long low, long high) {
    if (lastCollected != unit) {
      lastCollected = unit;
      FloatBuffer raw = unit.raw();
      int r0 = raw.position();
      for (int i : unit.positionsIn(low, high, true)) {
        rawRange.add(raw.get(r0 + i), 0);
      }
    }
  }

  /**
   * Blockwise pass two in DeepBase's convention: the resized values in the threshold's bucket,
   * collected once per unit batch for all the siblings and without a class (they fix the threshold;
   * pass three counts by class).
   */
  private final BucketValues bucket = new BucketValues();

  private transient @Nullable Object lastBucketed;

  /** Collects a unit batch's values in its crossing's range that lie in {@code ordinal}. */
  void collectBucket(UnitBatch unit, UnitBatch.Crossing crossing, long ordinal) {
    if (lastBucketed != unit) {
      lastBucketed = unit;
      for (float v : crossing.inRangeValues()) {
        if (JointHistogram.ordinal(v) == ordinal) {
          bucket.add(v, 0);
        }
      }
    }
  }

  /** Adds another group's pass-two collections unless a sibling already did. */
  void mergeCollectedOnce(ThresholdSiblings other) {
    if (other == this) {
      return;
    }
    if (mergedCollected == null) {
      mergedCollected = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    }
    if (mergedCollected.add(other)) {
      rawRange.merge(other.rawRange, new int[] {0});
      bucket.merge(other.bucket, new int[] {0});
    }
  }

  /** Adds another group's counts unless a sibling already did. */
  void mergeOnce(ThresholdSiblings other) {
    if (other == this || other.histogram == null) {
      return;
    }
    if (merged == null) {
      merged = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    }
    if (merged.add(other)) {
      if (aboveFloor != null) {
        // The other group's values below its own floor are gone: pass two collects the range.
        aboveFloor.giveUp();
      }
      histogram().merge(other.histogram, new int[] {0});
      provenFor = Math.max(provenFor, other.provenFor);
      located = null;
      rawRanks = null;
    }
  }

  /** Where the threshold falls for siblings that counted {@code count} values, located once. */
  ThresholdAccumulator.Position located(
      long count, Supplier<ThresholdAccumulator.Position> locate) {
    if (located == null || locatedCount != count) {
      located = locate.get();
      locatedCount = count;
    }
    return located;
  }

  /** The raw ranks' buckets for siblings that counted {@code count} raw values, located once. */
  ThresholdAccumulator.RawRanks rawRanks(
      long count, Supplier<ThresholdAccumulator.RawRanks> locate) {
    if (rawRanks == null || rawRanksCount != count) {
      rawRanks = locate.get();
      rawRanksCount = count;
    }
    return rawRanks;
  }

  /** The exact threshold for siblings that counted {@code count} values, computed once. */
  double threshold(long count, DoubleSupplier compute) {
    if (thresholdFor != count) {
      threshold = compute.getAsDouble();
      thresholdFor = count;
    }
    return threshold;
  }

  /** Pass two's raw values in the threshold's range (raw convention). */
  BucketValues rawRange() {
    return rawRange;
  }

  /** Pass two's resized values in the threshold's bucket (DeepBase's convention). */
  BucketValues bucket() {
    return bucket;
  }
}
