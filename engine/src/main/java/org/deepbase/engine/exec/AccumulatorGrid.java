package org.deepbase.engine.exec;

import java.io.Serializable;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.CorrelationAccumulator;
import org.deepbase.engine.measure.LocalIouAccumulator;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.measure.Score;
import org.deepbase.engine.measure.SharedStats;

/**
 * Every (layer, unit, hypothesis, measure) accumulator of one checkpoint's inspection, and the
 * probes of every (layer, hypothesis), fed from the same buffers. Mergeable and serializable: a
 * distributed engine builds one grid per record shard and merges them, then finishes once.
 */
public final class AccumulatorGrid implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> measures;
  /** The parsed measures, so that a per-batch accumulator does not parse its name again. */
  private final List<MeasureSpec> specs;
  private final boolean exact;
  /** [layer] -> the requested unit numbers. */
  private final int[][] units;
  /** [layer][unit][hypothesis][measure]. */
  final Accumulator[][][][] accumulators;
  /** Which accumulators are in their second (exact) pass. */
  private final boolean[][][][] secondPass;
  /** [layer][hypothesis], null without probe measures. */
  private final ProbeAccumulator[][] probes;

  /**
   * Creates empty accumulators for the given layers' units, hypotheses and measures.
   *
   * @param probes the settings of a probe per (layer, hypothesis), or null for none
   */
  public AccumulatorGrid(List<LayerRequest> layers, int hypotheses, List<String> measures, boolean exact,
      ProbeAccumulator.@Nullable Settings probes) {
    this.measures = List.copyOf(measures);
    this.specs = List.copyOf(measures.stream().map(MeasureSpec::parse).toList());
    this.exact = exact;
    units = layers.stream().map(LayerRequest::units).toArray(int[][]::new);
    accumulators = new Accumulator[layers.size()][][][];
    secondPass = new boolean[layers.size()][][][];
    this.probes = new ProbeAccumulator[layers.size()][hypotheses];
    for (int l = 0; l < layers.size(); l++) {
      int units = layers.get(l).units().length;
      accumulators[l] = new Accumulator[units][hypotheses][measures.size()];
      secondPass[l] = new boolean[units][hypotheses][measures.size()];
      for (int u = 0; u < units; u++) {
        for (int h = 0; h < hypotheses; h++) {
          for (int m = 0; m < measures.size(); m++) {
            accumulators[l][u][h][m] = newAccumulator(m);
          }
        }
      }
      if (probes != null) {
        for (int h = 0; h < hypotheses; h++) {
          this.probes[l][h] = new ProbeAccumulator(probes, units);
        }
      }
    }
  }

  private Accumulator newAccumulator(int m) {
    return specs.get(m).create(exact);
  }

  /**
   * Evaluates each hypothesis once per record of a batch: [hypothesis] -> records x symbols.
   * Hypotheses run in parallel, each over the records in order (see {@link Hypothesis}).
   */
  private static FloatBuffer[] annotate(List<Hypothesis> hypotheses, DatasetDescriptor dataset, RecordBatch batch) {
    FloatBuffer[] out = new FloatBuffer[hypotheses.size()];
    int symbols = dataset.symbolCount();
    IntStream.range(0, hypotheses.size()).parallel().forEach(h -> {
      float[] values = new float[batch.size() * symbols];
      for (int r = 0; r < batch.size(); r++) {
        System.arraycopy(Hypotheses.annotate(hypotheses.get(h), dataset, batch.records().get(r)), 0, values,
            r * symbols, symbols);
      }
      out[h] = FloatBuffer.wrap(values);
    });
    return out;
  }

  /**
   * Feeds one batch of records: evaluates each hypothesis once per record and feeds every layer's
   * behaviors against them. Takes ownership of the behaviors and closes them.
   *
   * @param first whether this is the first pass (the second feeds only accumulators in it)
   * @param intervals when not null, each accumulator's batch score is also recorded there
   */
  public void feed(RecordBatch batch, List<Hypothesis> hypotheses, DatasetDescriptor dataset,
      List<BehaviorBatch> behaviors, boolean first, BatchMeans @Nullable [][][][] intervals) {
    try {
      feed(behaviors, annotate(hypotheses, dataset, batch), batch.size(), dataset, first, intervals);
    } finally {
      behaviors.forEach(BehaviorBatch::close);
    }
  }

  /** Feeds one batch: every layer's behaviors against every hypothesis' annotations. */
  private void feed(List<BehaviorBatch> behaviors, FloatBuffer[] annotations, int records, DatasetDescriptor dataset,
      boolean first, BatchMeans @Nullable [][][][] intervals) {
    int hypotheses = annotations.length;
    double fusedQuantile = fusedQuantile();
    // What depends on a hypothesis only is computed once per batch for all units.
    SharedStats.Hypothesis[] sharedHypotheses = new SharedStats.Hypothesis[hypotheses];
    if (records > 0) {
      IntStream.range(0, hypotheses).parallel().forEach(h ->
          sharedHypotheses[h] = SharedStats.Hypothesis.of(annotations[h], records, dataset.symbolCount()));
    }
    for (int l = 0; l < accumulators.length; l++) {
      BehaviorBatch batch = behaviors.get(l);
      int symbols = batch.symbols();
      if (symbols != dataset.symbolCount()) {
        throw new DeepBaseException(ErrorCode.SHAPE_MISMATCH, "layer '" + batch.layer().name() + "' has "
            + symbols + " symbols per record but the hypotheses annotate " + dataset.symbolCount()
            + " (dataset symbol shape " + dataset.symbolShape() + ")");
      }
      int requested = accumulators[l].length;
      FloatBuffer[] views = new FloatBuffer[requested];
      for (int u = 0; u < requested; u++) {
        // The batch may hold more units than requested (when filling the cache): find ours.
        int position = batch.units().length == requested ? u : units[l][u];
        // A view of the Arrow vector's data: no copy.
        views[u] = batch.vectors().get(position).getDataBuffer().nioBuffer(0, records * symbols * Float.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      }
      int layer = l;
      // Units are independent: feed them on all cores (absolute reads of shared buffers are safe).
      IntStream.range(0, requested).parallel().forEach(u -> {
        Shared shared = new Shared(views[u], sharedHypotheses, records, symbols, fusedQuantile);
        for (int h = 0; h < hypotheses; h++) {
          for (int m = 0; m < measures.size(); m++) {
            Accumulator total = accumulators[layer][u][h][m];
            if (intervals != null) {
              Accumulator part = newAccumulator(m);
              shared.add(part, annotations[h], h);
              intervals[layer][u][h][m].add(part.result().value());
              total.merge(part);
            } else if (first || secondPass[layer][u][h][m]) {
              shared.add(total, annotations[h], h);
            }
          }
        }
      });
      if (first) {
        for (int h = 0; h < hypotheses; h++) {
          if (probes[l][h] != null) {
            probes[l][h].add(views, annotations[h], records, symbols);
          }
        }
      }
    }
  }

  /**
   * Returns the quantile of the first local_iou measure, or NaN: a unit's moments come with its
   * thresholds at a quantile for free, so corr takes them from there when local_iou is asked too.
   */
  private double fusedQuantile() {
    Accumulator[] sample = accumulators.length > 0 && accumulators[0].length > 0 && accumulators[0][0].length > 0
        ? accumulators[0][0][0] : new Accumulator[0];
    for (Accumulator a : sample) {
      if (a instanceof LocalIouAccumulator local) {
        return local.quantile();
      }
    }
    return Double.NaN;
  }

  /**
   * One unit's batch, with what depends on the unit only (moments, per-record thresholds and
   * firing counts) computed on first use and shared by every hypothesis.
   */
  private static final class Shared {
    private final FloatBuffer values;
    private final SharedStats.Hypothesis[] hypotheses;
    private final int records;
    private final int symbols;
    private final double fusedQuantile;
    private final Map<Double, SharedStats.Firing> firing = new HashMap<>();
    private SharedStats.@Nullable Unit moments;
    private float @Nullable [] scratch;

    Shared(FloatBuffer values, SharedStats.Hypothesis[] hypotheses, int records, int symbols, double fusedQuantile) {
      this.values = values;
      this.hypotheses = hypotheses;
      this.records = records;
      this.symbols = symbols;
      this.fusedQuantile = fusedQuantile;
    }

    /** Returns the thresholds and firing counts at a quantile; the unit's moments come along. */
    private SharedStats.Firing firing(double quantile) {
      return firing.computeIfAbsent(quantile, q -> {
        if (scratch == null) {
          scratch = new float[symbols];
        }
        SharedStats.Unit[] out = new SharedStats.Unit[1];
        SharedStats.Firing f = SharedStats.unitAndFiring(values, records, symbols, q, scratch, out);
        if (moments == null) {
          moments = out[0];
        }
        return f;
      });
    }

    private SharedStats.Unit moments() {
      if (moments == null) {
        if (Double.isNaN(fusedQuantile)) {
          moments = SharedStats.Unit.of(values, records * symbols);
        } else {
          firing(fusedQuantile);
        }
      }
      return moments;
    }

    void add(Accumulator accumulator, FloatBuffer annotations, int h) {
      if (records == 0) {
        return;
      }
      if (accumulator instanceof LocalIouAccumulator local) {
        local.addShared(values, firing(local.quantile()), hypotheses[h], records, symbols);
      } else if (accumulator instanceof CorrelationAccumulator corr) {
        corr.addShared(values, annotations, moments(), hypotheses[h], records, symbols);
      } else {
        accumulator.add(values, annotations, records, symbols);
      }
    }
  }

  /** Returns the probe of a (layer, hypothesis), or null when the grid has none. */
  public ProbeAccumulator.@Nullable Result probeResult(int layer, int hypothesis) {
    return probes[layer][hypothesis] == null ? null : probes[layer][hypothesis].result();
  }

  /** Starts the second pass of every accumulator that wants one; returns whether any did. */
  public boolean startSecondPass() {
    boolean any = false;
    for (int l = 0; l < accumulators.length; l++) {
      for (int u = 0; u < accumulators[l].length; u++) {
        for (int h = 0; h < accumulators[l][u].length; h++) {
          for (int m = 0; m < measures.size(); m++) {
            Accumulator a = accumulators[l][u][h][m];
            if (a.wantsAnotherPass()) {
              a.startPass();
              secondPass[l][u][h][m] = true;
              any = true;
            }
          }
        }
      }
    }
    return any;
  }

  /** Adds what another grid of the same shape has seen in the first pass over other records. */
  public void merge(AccumulatorGrid other) {
    merge(other, false);
  }

  /**
   * Adds what another grid has seen in the second pass over other records: only the accumulators
   * in their second pass take part (both grids share the first-pass state they started from).
   */
  public void mergeSecondPass(AccumulatorGrid other) {
    merge(other, true);
  }

  private void merge(AccumulatorGrid other, boolean secondPassOnly) {
    for (int l = 0; l < accumulators.length; l++) {
      for (int u = 0; u < accumulators[l].length; u++) {
        for (int h = 0; h < accumulators[l][u].length; h++) {
          for (int m = 0; m < measures.size(); m++) {
            if (secondPass[l][u][h][m] == secondPassOnly) {
              accumulators[l][u][h][m].merge(other.accumulators[l][u][h][m]);
            }
          }
        }
      }
      for (int h = 0; h < probes[l].length; h++) {
        if (probes[l][h] != null && !secondPassOnly) {
          probes[l][h].merge(other.probes[l][h]);
        }
      }
    }
  }

  /**
   * Finishes the scores into result rows.
   *
   * @param intervals batch-means intervals to widen [ci_low, ci_high] with (early stopping), or null
   * @param fractionRead the fraction of the covered records the intervals were made from
   */
  public List<InspectionRow> rows(String model, int checkpoint, List<LayerRequest> layers, List<Hypothesis> hypotheses,
      List<String> probeMeasures, long recordsUsed, BatchMeans @Nullable [][][][] intervals, double fractionRead) {
    List<InspectionRow> rows = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      LayerRequest layer = layers.get(l);
      String name = layer.layer().name();
      for (int h = 0; h < hypotheses.size(); h++) {
        String hypothesis = hypotheses.get(h).name();
        for (int u = 0; u < layer.units().length; u++) {
          for (int m = 0; m < measures.size(); m++) {
            Score s = accumulators[l][u][h][m].result();
            double low = s.ciLow();
            double high = s.ciHigh();
            if (intervals != null) {
              double hw = intervals[l][u][h][m].halfWidth(fractionRead);
              low = Math.min(low, s.value() - hw);
              high = Math.max(high, s.value() + hw);
            }
            rows.add(new InspectionRow(model, checkpoint, name, layer.units()[u], hypothesis, measures.get(m),
                s.value(), recordsUsed, low, high));
          }
        }
        if (probes[l][h] != null) {
          ProbeAccumulator.Result r = probes[l][h].result();
          for (String m : probeMeasures) {
            double score = m.equals("probe_accuracy") ? r.accuracy() : r.f1();
            rows.add(new InspectionRow(model, checkpoint, name, null, hypothesis, m, score, recordsUsed, score, score));
          }
          for (int u = 0; u < layer.units().length; u++) {
            double importance = r.importance()[u];
            rows.add(new InspectionRow(model, checkpoint, name, layer.units()[u], hypothesis, "probe_importance",
                importance, recordsUsed, importance, importance));
          }
        }
      }
    }
    return rows;
  }
}
