package org.deepbase.engine.exec;

import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.Cancellation;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.MemoryGrants;
import org.deepbase.engine.workspace.Workspace;

/**
 * Trains a probing classifier from all units of one layer to one hypothesis: streams the dataset,
 * one forward pass per batch ({@link RecordScan}), feeding a {@link ProbeAccumulator} straight from
 * the Arrow vectors.
 */
public final class LayerProbe {
  private static final int BATCH_SIZE = 128;

  private LayerProbe() {}

  /** What to probe. */
  public record Request(
      String model,
      Integer checkpoint,
      String layer,
      String hypothesis,
      String dataset,
      ProbeAccumulator.Settings settings) {}

  /** The probe's result with the checkpoint it ran on. */
  public record Outcome(Checkpoint checkpoint, LayerInfo layer, ProbeAccumulator.Result result) {}

  /**
   * Runs the probe.
   *
   * @param cancelled polled before each batch (a {@link Cancellation} explains itself)
   */
  public static Outcome run(
      Workspace workspace, Request request, java.util.function.BooleanSupplier cancelled) {
    ModelDescriptor model = workspace.model(request.model());
    Checkpoint checkpoint =
        request.checkpoint() == null
            ? workspace.latestCheckpoint(model.name())
            : workspace.checkpoint(model.name(), request.checkpoint());
    LayerInfo layer = workspace.layer(model, request.layer());
    DatasetDescriptor dataset = workspace.dataset(request.dataset());
    Hypothesis hypothesis = workspace.hypothesis(dataset, request.hypothesis());
    if (layer.grid().size() != dataset.symbolShape().size()) {
      throw new DeepBaseException(
          ErrorCode.SHAPE_MISMATCH,
          "cannot probe layer '"
              + layer.name()
              + "' (shape "
              + layer.shape()
              + ") against hypothesis '"
              + hypothesis.name()
              + "' on symbol grid "
              + dataset.symbolShape()
              + ": a probe pairs the units' values with the annotation at each symbol");
    }
    List<LayerRequest> layers =
        List.of(new LayerRequest(layer, IntStream.range(0, layer.unitCount()).toArray()));
    AccumulatorGrid grid = new AccumulatorGrid(layers, 1, List.of(), false, request.settings());
    RecordScan scan =
        new RecordScan(
            workspace,
            dataset,
            List.of(hypothesis),
            BATCH_SIZE,
            "probe " + model.name() + "@" + checkpoint.epoch() + " " + layer.name(),
            dataset.recordCount(),
            cancelled);
    try (MemoryGrants.Grant grant =
            workspace
                .memory()
                .acquire(request.settings().heapBytes(layer.unitCount()), cancelled, "probe");
        LoadedModel loaded = LoadedModel.load(model, checkpoint);
        BufferAllocator allocator = Allocators.newChild("probe")) {
      scan.run(
          id -> true,
          new ExtractingSource(
              new Extractor(loaded, layers, dataset.symbolShape(), workspace.metrics()), allocator),
          grid,
          true,
          RecordScan.never());
    }
    return new Outcome(checkpoint, layer, grid.probeResult(0, 0));
  }
}
