package org.deepbase.engine.exec;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.vector.Float4Vector;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.BilinearResize;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.extract.Vectors;
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.Measure;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.measure.Score;
import org.deepbase.engine.measure.SharedStats;
import org.deepbase.engine.measure.UnitBatch;
import org.deepbase.engine.measure.ZeroedArrays;
import org.deepbase.engine.plan.MeasureSpec;

/**
 * Every (layer, unit, hypothesis, measure) accumulator of one checkpoint's inspection, and the
 * probes of every (layer, hypothesis), fed from the same buffers. Mergeable and serializable: a
 * distributed engine builds one grid per record shard and merges them, then finishes once.
 *
 * <p>The accumulators are one flat array in (layer, unit, hypothesis, measure) order; {@link #slot}
 * is the only place that order is spelled out. Measures are driven through {@link Accumulator}
 * alone: each one takes from a {@link UnitBatch} the shared statistics it can use.
 */
public final class AccumulatorGrid implements Serializable {
  private static final long serialVersionUID = 2L;

  private final List<MeasureSpec> measures;
  private final boolean exact;
  private final int hypotheses;

  /** [layer] -> the requested unit numbers. */
  private final int[][] units;

  /** [layer] -> how many units the layers before it hold: the layer's first unit in slot order. */
  private final int[] firstUnit;

  private final Accumulator[] accumulators;

  /** Which accumulators are in the pass after the first that is under way (the exact passes). */
  private final boolean[] secondPass;

  /** Per slot, the batch-means interval of early stopping; null unless tracked (never shipped). */
  private transient BatchMeans @Nullable [] intervals;

  /**
   * [hypothesis][measure] -> a value of the hypothesis that the measure is not defined for (a
   * binary measure and a non-binary value), NaN while the pair is defined. A skipped pair is fed no
   * more and yields one {@link InspectionRow#skipped} row per layer instead of scores.
   */
  private final float[][] undefined;

  /** [layer][hypothesis], entries null without probe measures. */
  private final ProbeAccumulator[][] probes;

  /** Whether a pass after the first reads the annotations: some accumulator in it does. */
  private boolean laterPassReadsAnnotations = true;

  /**
   * The batch's on sets ({@link SharedStats.OnSets#index}), reused batch after batch: batches are
   * fed one at a time, and one batch's sets are done with when the next arrives.
   */
  private transient long @Nullable [] onSetBits;

  /** Each feeding thread's copies of unit values ({@link UnitBatch#copyOwnValuesInto}). */
  private transient @Nullable ThreadLocal<ArraysByLength> ownCopies;

  /** Each feeding thread's copies of sparse unit values ({@link UnitBatch#zeroOutside}). */
  private transient @Nullable ThreadLocal<ZeroedArrays> sparseCopies;

  /**
   * Creates empty accumulators for the given layers' units, hypotheses and measures.
   *
   * @param measures single-unit measures (probe measures are asked for with {@code probes})
   * @param probes the settings of a probe per (layer, hypothesis), or null for none
   */
  public AccumulatorGrid(
      List<LayerRequest> layers,
      int hypotheses,
      List<MeasureSpec> measures,
      boolean exact,
      ProbeAccumulator.@Nullable Settings probes) {
    this.measures = List.copyOf(measures);
    this.exact = exact;
    this.hypotheses = hypotheses;
    units = layers.stream().map(LayerRequest::units).toArray(int[][]::new);
    firstUnit = new int[layers.size() + 1];
    for (int l = 0; l < layers.size(); l++) {
      firstUnit[l + 1] = firstUnit[l] + units[l].length;
    }
    int slots = firstUnit[layers.size()] * hypotheses * measures.size();
    accumulators = new Accumulator[slots];
    secondPass = new boolean[slots];
    for (int s = 0; s < slots; s++) {
      accumulators[s] = newAccumulator(s);
    }
    // A unit's hypotheses share what depends on the unit only (per measure).
    for (int u = 0; u < firstUnit[layers.size()]; u++) {
      for (int h = 1; h < hypotheses; h++) {
        for (int m = 0; m < measures.size(); m++) {
          int first = (u * hypotheses) * measures.size() + m;
          accumulators[(u * hypotheses + h) * measures.size() + m].shareWith(accumulators[first]);
        }
      }
    }
    undefined = new float[hypotheses][measures.size()];
    for (float[] row : undefined) {
      java.util.Arrays.fill(row, Float.NaN);
    }
    this.probes = new ProbeAccumulator[layers.size()][hypotheses];
    if (probes != null) {
      for (int l = 0; l < layers.size(); l++) {
        for (int h = 0; h < hypotheses; h++) {
          this.probes[l][h] = new ProbeAccumulator(probes, units[l].length);
        }
      }
    }
  }

  /**
   * Returns whether exact binary dataset-threshold measures count each unit's firing positions per
   * hypothesis: then the batch's binary hypotheses are indexed together ({@link
   * SharedStats.OnSets}).
   */
  private boolean countsFiring() {
    return exact
        && measures.stream()
            .anyMatch(m -> m.measure().datasetThreshold() && m.measure().binaryOnly());
  }

  /** Returns the slot of (layer, unit index within the layer's request, hypothesis, measure). */
  private int slot(int layer, int unit, int hypothesis, int measure) {
    return ((firstUnit[layer] + unit) * hypotheses + hypothesis) * measures.size() + measure;
  }

  private Accumulator newAccumulator(int slot) {
    return measures.get(slot % measures.size()).create(exact);
  }

  /** Keeps a batch-means interval per accumulator from now on (early stopping's first pass). */
  public void trackIntervals() {
    intervals = new BatchMeans[accumulators.length];
    for (int s = 0; s < accumulators.length; s++) {
      intervals[s] = new BatchMeans();
    }
  }

  /**
   * Evaluates each hypothesis once per record of a batch: [hypothesis] -> records x symbols.
   * Hypotheses run in parallel, each over the records in order (see {@link Hypothesis}).
   */
  private static FloatBuffer[] annotate(
      List<Hypothesis> hypotheses, DatasetDescriptor dataset, RecordBatch batch) {
    FloatBuffer[] out = new FloatBuffer[hypotheses.size()];
    Parallel.forEach(
        hypotheses.size(),
        h ->
            out[h] =
                FloatBuffer.wrap(
                    Hypotheses.annotateAll(hypotheses.get(h), dataset, batch.records())));
    return out;
  }

  /**
   * Feeds one batch of records: evaluates each hypothesis once per record and feeds every layer's
   * behaviors against them. Takes ownership of the behaviors and closes them.
   *
   * @param first whether this is the first pass (the second feeds only accumulators in it); with
   *     {@link #trackIntervals} on, a first-pass batch also records each accumulator's batch score
   */
  public void feed(
      RecordBatch batch,
      List<Hypothesis> hypotheses,
      DatasetDescriptor dataset,
      List<BehaviorBatch> behaviors,
      boolean first) {
    try {
      boolean read = first || laterPassReadsAnnotations;
      FloatBuffer[] annotations =
          read ? annotate(hypotheses, dataset, batch) : unread(hypotheses.size());
      feed(behaviors, annotations, read, batch.size(), dataset, first);
    } finally {
      behaviors.forEach(BehaviorBatch::close);
    }
  }

  /** Stands for annotations no accumulator of the pass reads: empty buffers. */
  private static FloatBuffer[] unread(int hypotheses) {
    FloatBuffer[] out = new FloatBuffer[hypotheses];
    Arrays.fill(out, FloatBuffer.allocate(0));
    return out;
  }

  /**
   * Feeds one batch: every layer's behaviors against every hypothesis' annotations ({@code read}
   * false: none, and {@link SharedStats.Hypothesis#none} for what they share).
   */
  private void feed(
      List<BehaviorBatch> behaviors,
      FloatBuffer[] annotations,
      boolean read,
      int records,
      DatasetDescriptor dataset,
      boolean first) {
    if (records == 0) {
      return;
    }
    // What depends on a hypothesis only is computed once per batch for all units.
    SharedStats.Hypothesis[] sharedHypotheses = new SharedStats.Hypothesis[annotations.length];
    if (!read) {
      Arrays.fill(sharedHypotheses, SharedStats.Hypothesis.none());
    } else {
      indexHypotheses(annotations, sharedHypotheses, records, dataset);
    }
    feedLayers(behaviors, annotations, sharedHypotheses, records, dataset, first);
  }

  /** Computes what each hypothesis shares with every unit, and notes pairs a measure skips. */
  private void indexHypotheses(
      FloatBuffer[] annotations,
      SharedStats.Hypothesis[] sharedHypotheses,
      int records,
      DatasetDescriptor dataset) {
    Parallel.forEach(
        annotations.length,
        h ->
            sharedHypotheses[h] =
                SharedStats.Hypothesis.of(annotations[h], records, dataset.symbolCount()));
    if (countsFiring()
        && Arrays.stream(sharedHypotheses).filter(SharedStats.Hypothesis::binary).count() > 1) {
      int cells = Math.multiplyExact(records, dataset.symbolCount());
      long[] bits = onSetBits;
      if (bits == null || bits.length < cells) {
        bits = new long[cells];
        onSetBits = bits;
      }
      SharedStats.Hypothesis[] indexed =
          SharedStats.OnSets.index(sharedHypotheses, records, dataset.symbolCount(), bits);
      System.arraycopy(indexed, 0, sharedHypotheses, 0, indexed.length);
    }
    for (int h = 0; h < annotations.length; h++) {
      for (int m = 0; m < measures.size(); m++) {
        if (measures.get(m).measure().binaryOnly()
            && !sharedHypotheses[h].binary()
            && defined(h, m)) {
          undefined[h][m] = sharedHypotheses[h].firstNonBinary();
        }
      }
    }
  }

  /** Feeds every layer's behaviors of a batch against every hypothesis. */
  private void feedLayers(
      List<BehaviorBatch> behaviors,
      FloatBuffer[] annotations,
      SharedStats.Hypothesis[] sharedHypotheses,
      int records,
      DatasetDescriptor dataset,
      boolean first) {
    double momentsQuantile = momentsQuantile();
    if (ownCopies == null) {
      ownCopies = ThreadLocal.withInitial(ArraysByLength::new);
    }
    ThreadLocal<ArraysByLength> copies = ownCopies;
    if (sparseCopies == null) {
      sparseCopies = ThreadLocal.withInitial(ZeroedArrays::new);
    }
    ThreadLocal<ZeroedArrays> zeroed = sparseCopies;
    BatchMeans[] batchScores = first ? intervals : null;
    for (int l = 0; l < units.length; l++) {
      BehaviorBatch batch = behaviors.get(l);
      int symbols = batch.symbols();
      if (symbols != dataset.symbolCount()) {
        throw new DeepBaseException(
            ErrorCode.SHAPE_MISMATCH,
            "layer '"
                + batch.layer().name()
                + "' has "
                + symbols
                + " symbols per record but the hypotheses annotate "
                + dataset.symbolCount()
                + " (dataset symbol shape "
                + dataset.symbolShape()
                + ")");
      }
      int requested = units[l].length;
      BilinearResize pending = batch.pending();
      FloatBuffer[] views =
          pending == null ? unitViews(batch.vectors(), batch, l, records, symbols) : null;
      int ownSymbols = batch.hasRaw() ? batch.rawSymbols() : symbols;
      int layer = l;
      long @Nullable [][] zeroOutside = batch.zeroOutside();
      // Kept for the probes only: otherwise each unit's resized values are garbage once it is fed.
      boolean probed = first && Arrays.stream(probes[l]).anyMatch(p -> p != null);
      UnitBatch[] unitBatches = new UnitBatch[probed ? requested : 0];
      // Units are independent: feed them on all cores (absolute reads of shared buffers are safe).
      Parallel.forEach(
          requested,
          u -> {
            // Asked for unit by unit: values written on first use are then read from the cache.
            FloatBuffer own =
                batch.hasRaw()
                    ? Vectors.floats(
                        batch.rawUnit(vectorOf(batch, layer, u, requested)), records * ownSymbols)
                    : java.util.Objects.requireNonNull(views)[u];
            UnitBatch unit =
                pending != null
                    ? new UnitBatch(own, records, momentsQuantile, pending)
                    : new UnitBatch(views[u], records, symbols, momentsQuantile, own, ownSymbols);
            long @Nullable [] cells =
                zeroOutside == null ? null : zeroOutside[vectorOf(batch, layer, u, requested)];
            if (probed) {
              unitBatches[u] = unit;
            }
            // Unless probed, garbage once fed: the thread's next unit may take over its copy.
            if (cells != null) {
              unit.zeroOutside(cells, probed ? null : zeroed.get());
            } else if (!probed) {
              unit.copyOwnValuesInto(copies.get());
            }
            for (int h = 0; h < annotations.length; h++) {
              for (int m = 0; m < measures.size(); m++) {
                int s = slot(layer, u, h, m);
                if (!defined(h, m)) {
                  continue;
                }
                if (batchScores != null) {
                  Accumulator part = newAccumulator(s);
                  part.add(unit, annotations[h], sharedHypotheses[h]);
                  batchScores[s].add(part.result().value());
                  accumulators[s].merge(part);
                } else if (first || secondPass[s]) {
                  accumulators[s].add(unit, annotations[h], sharedHypotheses[h]);
                }
              }
            }
          });
      if (first) {
        FloatBuffer[] aligned = views;
        for (int h = 0; h < annotations.length; h++) {
          if (probes[l][h] != null) {
            if (aligned == null) {
              // Resized on demand: the probe reads every value, so resize them all (once).
              aligned =
                  Arrays.stream(unitBatches)
                      .parallel()
                      .map(UnitBatch::values)
                      .toArray(FloatBuffer[]::new);
            }
            probes[l][h].add(aligned, annotations[h], records, symbols);
          }
        }
      }
    }
  }

  /**
   * Returns a view of each requested unit's values of a layer's batch (Arrow data, no copy). The
   * batch may hold more units than requested (when filling the cache): ours are found by number.
   */
  private FloatBuffer[] unitViews(
      List<Float4Vector> vectors, BehaviorBatch batch, int layer, int records, int symbols) {
    int requested = units[layer].length;
    FloatBuffer[] views = new FloatBuffer[requested];
    for (int u = 0; u < requested; u++) {
      views[u] =
          Vectors.floats(vectors.get(vectorOf(batch, layer, u, requested)), records * symbols);
    }
    return views;
  }

  /** Returns the index in {@code batch} of requested unit {@code u} of the layer. */
  private int vectorOf(BehaviorBatch batch, int layer, int u, int requested) {
    return batch.units().length == requested ? u : units[layer][u];
  }

  /** Returns whether the measure is defined for the hypothesis on everything seen so far. */
  private boolean defined(int hypothesis, int measure) {
    return Float.isNaN(undefined[hypothesis][measure]);
  }

  /** Returns whether a slot belongs to a defined (hypothesis, measure) pair. */
  private boolean definedSlot(int slot) {
    int m = slot % measures.size();
    int h = slot / measures.size() % hypotheses;
    return defined(h, m);
  }

  /**
   * Returns the first per-record quantile a measure of the grid takes, or NaN: a unit's moments
   * come with its thresholds at that quantile for free, so corr takes them from there.
   */
  private double momentsQuantile() {
    for (int m = 0; m < Math.min(measures.size(), accumulators.length); m++) {
      double q = accumulators[m].perRecordQuantile();
      if (!Double.isNaN(q)) {
        return q;
      }
    }
    return Double.NaN;
  }

  /** Returns the probe of a (layer, hypothesis), or null when the grid has none. */
  public ProbeAccumulator.@Nullable Result probeResult(int layer, int hypothesis) {
    return probes[layer][hypothesis] == null ? null : probes[layer][hypothesis].result();
  }

  /**
   * Returns the least own-grid value of a unit that the passes after the current one may need
   * exactly ({@link Accumulator#laterPassesNeedFrom}), over the unit's defined pairs.
   *
   * @param unit the unit's index within the layer's request
   */
  public float laterPassesNeedFrom(int layer, int unit) {
    float least = Float.POSITIVE_INFINITY;
    for (int h = 0; h < hypotheses; h++) {
      for (int m = 0; m < measures.size(); m++) {
        if (defined(h, m)) {
          least = Math.min(least, accumulators[slot(layer, unit, h, m)].laterPassesNeedFrom());
        }
      }
    }
    return least;
  }

  /** Tells every accumulator the most records the passes will add (the dataset's size). */
  public AccumulatorGrid expectRecordsAtMost(long records) {
    for (Accumulator a : accumulators) {
      a.expectRecordsAtMost(records);
    }
    return this;
  }

  /**
   * Starts the next pass of every accumulator that wants one (the others are not fed again);
   * returns whether any did. Call until it returns false, running a pass over the same records each
   * time.
   */
  public boolean startNextPass() {
    // Units in parallel: locating a threshold walks a unit's histogram, shared by its hypotheses'
    // accumulators only, so each unit's slots stay on one thread.
    java.util.concurrent.atomic.AtomicBoolean any = new java.util.concurrent.atomic.AtomicBoolean();
    forEachUnitsSlots(
        s -> {
          boolean again = definedSlot(s) && accumulators[s].wantsAnotherPass();
          if (again) {
            accumulators[s].startPass();
            any.set(true);
          }
          secondPass[s] = again;
        });
    laterPassReadsAnnotations = false;
    for (int s = 0; s < accumulators.length; s++) {
      laterPassReadsAnnotations |= secondPass[s] && accumulators[s].readsAnnotations();
    }
    return any.get();
  }

  /**
   * Runs an action on every slot, the units in parallel and each unit's slots in order on one
   * thread (a unit's accumulators share state: see {@link Accumulator#shareWith}).
   */
  private void forEachUnitsSlots(java.util.function.IntConsumer action) {
    int perUnit = hypotheses * measures.size();
    Parallel.forEach(
        accumulators.length / Math.max(1, perUnit),
        u -> {
          for (int s = u * perUnit; s < (u + 1) * perUnit; s++) {
            action.accept(s);
          }
        });
  }

  /** Adds what another grid of the same shape has seen in the first pass over other records. */
  public void merge(AccumulatorGrid other) {
    merge(other, false);
  }

  /**
   * Adds what another grid has seen in the pass after the first under way, over other records: only
   * the accumulators in that pass take part (both grids share the state they started it from).
   */
  public void mergeLaterPass(AccumulatorGrid other) {
    merge(other, true);
  }

  private void merge(AccumulatorGrid other, boolean secondPassOnly) {
    for (int h = 0; h < hypotheses; h++) {
      for (int m = 0; m < measures.size(); m++) {
        if (defined(h, m)) {
          undefined[h][m] = other.undefined[h][m];
        }
      }
    }
    for (int s = 0; s < accumulators.length; s++) {
      if (secondPass[s] == secondPassOnly) {
        accumulators[s].merge(other.accumulators[s]);
      }
    }
    if (!secondPassOnly) {
      for (int l = 0; l < probes.length; l++) {
        for (int h = 0; h < probes[l].length; h++) {
          if (probes[l][h] != null) {
            probes[l][h].merge(other.probes[l][h]);
          }
        }
      }
    }
  }

  /**
   * Returns whether every tracked interval's half-width is below the tolerance.
   *
   * @param fractionRead the fraction of the covered records read so far
   */
  public boolean withinTolerance(double tolerance, double fractionRead) {
    BatchMeans[] tracked = trackedIntervals();
    for (int s = 0; s < tracked.length; s++) {
      if (definedSlot(s) && tracked[s].halfWidth(fractionRead) >= tolerance) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns whether, for every hypothesis and measure, the k best units' lower bounds all lie above
   * the other units' upper bounds: reading more could not change which units are the top k.
   */
  public boolean topStable(int k, double fractionRead) {
    BatchMeans[] tracked = trackedIntervals();
    for (int h = 0; h < hypotheses; h++) {
      for (int m = 0; m < measures.size(); m++) {
        if (!defined(h, m)) {
          continue;
        }
        List<double[]> ranked = new ArrayList<>(); // {score, half-width}
        for (int l = 0; l < units.length; l++) {
          for (int u = 0; u < units[l].length; u++) {
            int s = slot(l, u, h, m);
            ranked.add(
                new double[] {
                  accumulators[s].result().value(), tracked[s].halfWidth(fractionRead)
                });
          }
        }
        if (ranked.size() <= k) {
          continue;
        }
        ranked.sort((a, b) -> Double.compare(b[0], a[0]));
        double lowestTop = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
          lowestTop = Math.min(lowestTop, ranked.get(i)[0] - ranked.get(i)[1]);
        }
        double highestRest = Double.NEGATIVE_INFINITY;
        for (int i = k; i < ranked.size(); i++) {
          highestRest = Math.max(highestRest, ranked.get(i)[0] + ranked.get(i)[1]);
        }
        if (!(lowestTop > highestRest)) {
          return false;
        }
      }
    }
    return true;
  }

  private BatchMeans[] trackedIntervals() {
    if (intervals == null) {
      throw new IllegalStateException(
          "intervals are not tracked: call trackIntervals() before the first pass");
    }
    return intervals;
  }

  /**
   * Finishes the scores into result rows: per layer and hypothesis, every unit's measures, then the
   * probe's scores and per-unit importances.
   *
   * @param probeMeasures the probe measures asked for
   * @param fractionRead the fraction of the covered records the tracked intervals (if any) were
   *     made from; they widen [ci_low, ci_high]
   */
  public List<InspectionRow> rows(
      String model,
      int checkpoint,
      List<LayerRequest> layers,
      List<Hypothesis> hypotheses,
      List<MeasureSpec> probeMeasures,
      long recordsUsed,
      double fractionRead) {
    Score[] scores = new Score[accumulators.length];
    forEachUnitsSlots(
        s -> {
          if (definedSlot(s)) {
            scores[s] = accumulators[s].result();
          }
        });
    List<InspectionRow> rows = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      String name = layers.get(l).layer().name();
      for (int h = 0; h < hypotheses.size(); h++) {
        String hypothesis = hypotheses.get(h).name();
        for (int m = 0; m < measures.size(); m++) {
          if (!defined(h, m)) {
            rows.add(
                InspectionRow.skipped(
                    model,
                    checkpoint,
                    name,
                    hypothesis,
                    measures.get(m).label(),
                    recordsUsed,
                    measures.get(m).measure().notBinary(undefined[h][m])));
          }
        }
        for (int u = 0; u < units[l].length; u++) {
          for (int m = 0; m < measures.size(); m++) {
            int s = slot(l, u, h, m);
            if (!defined(h, m)) {
              continue;
            }
            Score score = scores[s];
            double low = score.ciLow();
            double high = score.ciHigh();
            if (intervals != null) {
              double hw = intervals[s].halfWidth(fractionRead);
              low = Math.min(low, score.value() - hw);
              high = Math.max(high, score.value() + hw);
            }
            rows.add(
                new InspectionRow(
                    model,
                    checkpoint,
                    name,
                    units[l][u],
                    hypothesis,
                    measures.get(m).label(),
                    score.value(),
                    recordsUsed,
                    low,
                    high,
                    score.warning()));
          }
        }
        if (probes[l][h] != null) {
          ProbeAccumulator.Result r = probes[l][h].result();
          for (MeasureSpec m : probeMeasures) {
            double score = m.measure() == Measure.PROBE_ACCURACY ? r.accuracy() : r.f1();
            rows.add(
                new InspectionRow(
                    model,
                    checkpoint,
                    name,
                    null,
                    hypothesis,
                    m.label(),
                    score,
                    recordsUsed,
                    score,
                    score,
                    null));
          }
          for (int u = 0; u < units[l].length; u++) {
            double importance = r.importance()[u];
            rows.add(
                new InspectionRow(
                    model,
                    checkpoint,
                    name,
                    units[l][u],
                    hypothesis,
                    "probe_importance",
                    importance,
                    recordsUsed,
                    importance,
                    importance,
                    null));
          }
        }
      }
    }
    return rows;
  }
}
