package org.deepbase.engine.exec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.GridAlignment;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.plan.MeasureSpec;
import org.deepbase.engine.workspace.Workspace;

/**
 * One piece of a distributed inspection: one checkpoint over one range of record ids, fed into an
 * {@link AccumulatorGrid} with the same extractor and accumulators as the local engine. Merging the
 * grids of all shards (in any order) and finishing once gives the local engine's scores.
 */
public final class ShardScan {
  private ShardScan() {}

  /**
   * Names a shard with plain values only, so it can cross a cluster's wire.
   *
   * @param model the model name
   * @param checkpoint its epoch
   * @param from first record id
   * @param to record id after the last
   */
  public record Shard(String model, int checkpoint, int from, int to) implements Serializable {
    public Shard {
      Objects.requireNonNull(model, "model is null");
    }
  }

  /** What a plan needs to know about one checkpoint's work, resolved once on the driver. */
  public record Plan(
      List<LayerRequest> layers,
      List<Hypothesis> hypotheses,
      List<MeasureSpec> measures,
      List<MeasureSpec> probeMeasures,
      DatasetDescriptor dataset) {
    /** Returns the heap this plan's accumulators and probes may hold (for admission control). */
    public long heapBytes() {
      long pairs = 0;
      long probes = 0;
      for (LayerRequest layer : layers) {
        pairs += (long) layer.units().length * hypotheses.size();
        if (!probeMeasures.isEmpty()) {
          probes +=
              hypotheses.size()
                  * ProbeAccumulator.Settings.defaults().heapBytes(layer.units().length);
        }
      }
      long perPair = 0;
      for (MeasureSpec m : measures) {
        perPair += m.measure().heapBytesPerPair();
      }
      return pairs * perPair + probes;
    }
  }

  /**
   * Resolves the dataset, hypotheses, measures and layers of a request for one model, failing on a
   * bad name or a dataset whose inputs the model cannot take.
   */
  public static Plan plan(Workspace workspace, InspectionRequest request, ModelDescriptor model) {
    DatasetDescriptor dataset = workspace.dataset(request.dataset());
    List<Hypothesis> hypotheses = new ArrayList<>();
    for (String name : request.hypotheses()) {
      hypotheses.add(workspace.hypothesis(dataset, name));
    }
    List<MeasureSpec> measures = new ArrayList<>();
    List<MeasureSpec> probes = new ArrayList<>();
    for (MeasureSpec m : request.measures()) {
      (m.measure().isProbe() ? probes : measures).add(m);
    }
    Targets.checkInputs(model, dataset);
    return new Plan(
        Targets.layers(workspace, model, request.units()), hypotheses, measures, probes, dataset);
  }

  /** Returns an empty grid for a plan. */
  public static AccumulatorGrid emptyGrid(Plan plan, InspectionRequest request) {
    return new AccumulatorGrid(
            plan.layers(),
            plan.hypotheses().size(),
            plan.measures(),
            request.exact(),
            plan.probeMeasures().isEmpty() ? null : ProbeAccumulator.Settings.defaults())
        .expectRecordsAtMost(plan.dataset().recordCount());
  }

  /** Returns the extractor an inspection of these layers needs (see {@link #delivery}). */
  static Extractor extractor(
      LoadedModel loaded,
      List<LayerRequest> layers,
      DatasetDescriptor dataset,
      InspectionRequest request,
      Workspace workspace,
      boolean batchScores) {
    Extractor extractor =
        new Extractor(
            loaded, layers, dataset.symbolShape(), request.behavior(), workspace.metrics());
    return switch (delivery(request, batchScores)) {
      case ALIGNED -> extractor;
      case ALIGNED_AND_OWN -> extractor.withRawGrids();
      case DEFERRED -> extractor.withDeferredResize();
    };
  }

  /**
   * Returns how an inspection wants resized layers delivered: on their own grid with resizing left
   * to the accumulators, which resize each unit when they need all its values and, in the second
   * pass of dataset thresholds (and both passes of the raw convention), only the values near and
   * above the threshold; but resized up front when scores are read per first-pass batch (stopping
   * rules), which needs every resized value at once.
   */
  static GridAlignment.Delivery delivery(InspectionRequest request, boolean batchScores) {
    if (!batchScores) {
      return GridAlignment.Delivery.DEFERRED;
    }
    return request.needsRawGrids()
        ? GridAlignment.Delivery.ALIGNED_AND_OWN
        : GridAlignment.Delivery.ALIGNED;
  }

  /**
   * Scans a shard. Spark cancels a task by interrupting its thread: the scan stops at the next
   * batch.
   *
   * @param loaded the shard's checkpoint, loaded
   * @param secondPass null for the first pass; for the second, the merged first-pass grid with its
   *     second pass started (only accumulators in their second pass are fed)
   */
  public static AccumulatorGrid scan(
      Workspace workspace,
      InspectionRequest request,
      Shard shard,
      LoadedModel loaded,
      @Nullable AccumulatorGrid secondPass) {
    ModelDescriptor model = workspace.model(shard.model());
    Plan plan = plan(workspace, request, model);
    AccumulatorGrid grid = secondPass != null ? secondPass : emptyGrid(plan, request);
    Extractor extractor =
        extractor(loaded, plan.layers(), plan.dataset(), request, workspace, false);
    Thread worker = Thread.currentThread();
    RecordScan scan =
        new RecordScan(
            workspace,
            plan.dataset(),
            plan.hypotheses(),
            request.batchSize() > 0 ? request.batchSize() : 256,
            "shard " + shard,
            shard.to() - shard.from(),
            worker::isInterrupted);
    try (BufferAllocator allocator = Allocators.newChild("shard")) {
      scan.run(
          id -> id >= shard.from() && id < shard.to(),
          new ExtractingSource(extractor, allocator),
          grid,
          secondPass == null,
          RecordScan.never());
    }
    return grid;
  }

  /** Returns the checkpoint a shard names. */
  public static Checkpoint checkpoint(Workspace workspace, Shard shard) {
    return workspace.checkpoint(shard.model(), shard.checkpoint());
  }
}
