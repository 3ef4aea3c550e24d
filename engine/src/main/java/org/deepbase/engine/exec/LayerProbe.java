package org.deepbase.engine.exec;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.Allocators;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.nn.LoadedModel;

/**
 * Trains a probing classifier from all units of one layer to one hypothesis: streams the dataset,
 * one forward pass per batch, feeding a {@link ProbeAccumulator} straight from the Arrow vectors.
 */
public final class LayerProbe {
  private static final int BATCH_SIZE = 128;

  private LayerProbe() {
  }

  /** What to probe. */
  public record Request(String model, Integer checkpoint, String layer, String hypothesis, String dataset,
      ProbeAccumulator.Settings settings) {
  }

  /** The probe's result with the checkpoint it ran on. */
  public record Outcome(Checkpoint checkpoint, LayerInfo layer, ProbeAccumulator.Result result) {
  }

  /** Runs the probe. */
  public static Outcome run(Workspace workspace, Request request) {
    ModelDescriptor model = workspace.model(request.model());
    Checkpoint checkpoint = request.checkpoint() == null
        ? workspace.latestCheckpoint(model.name()) : workspace.checkpoint(model.name(), request.checkpoint());
    LayerInfo layer = workspace.layer(model, request.layer());
    DatasetDescriptor dataset = workspace.dataset(request.dataset());
    Hypothesis hypothesis = workspace.hypothesis(dataset, request.hypothesis());
    if (layer.grid().size() != dataset.symbolShape().size()) {
      throw new DeepBaseException(ErrorCode.SHAPE_MISMATCH, "cannot probe layer '" + layer.name() + "' (shape "
          + layer.shape() + ") against hypothesis '" + hypothesis.name() + "' on symbol grid "
          + dataset.symbolShape() + ": a probe pairs the units' values with the annotation at each symbol");
    }
    int[] units = IntStream.range(0, layer.unitCount()).toArray();
    ProbeAccumulator probe = new ProbeAccumulator(request.settings(), units.length);
    try (LoadedModel loaded = LoadedModel.load(model, checkpoint);
         BufferAllocator allocator = Allocators.newChild("probe");
         DatasetReader reader = new DatasetReader(workspace.datasetDir(dataset.name()), dataset, i -> true,
             BATCH_SIZE)) {
      Extractor extractor = new Extractor(loaded, List.of(new LayerRequest(layer, units)), dataset.symbolShape());
      long done = 0;
      while (reader.hasNext()) {
        RecordBatch batch = reader.next();
        float[] annotations = new float[batch.size() * dataset.symbolCount()];
        for (int r = 0; r < batch.size(); r++) {
          float[] a = Hypotheses.annotate(hypothesis, dataset, batch.records().get(r));
          System.arraycopy(a, 0, annotations, r * a.length, a.length);
        }
        try (BehaviorBatch behaviors = extractor.extract(batch, allocator).get(0)) {
          FloatBuffer[] columns = new FloatBuffer[units.length];
          for (int u = 0; u < units.length; u++) {
            // A view of the Arrow vector's data, no copy.
            columns[u] = behaviors.vectors().get(u).getDataBuffer()
                .nioBuffer(0, batch.size() * behaviors.symbols() * Float.BYTES)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
          }
          probe.add(columns, FloatBuffer.wrap(annotations), batch.size(), behaviors.symbols());
        }
        done += batch.size();
        Progress.current().report("probe " + model.name() + "@" + checkpoint.epoch() + " " + layer.name(), done,
            dataset.recordCount());
      }
    }
    return new Outcome(checkpoint, layer, probe.result());
  }
}
