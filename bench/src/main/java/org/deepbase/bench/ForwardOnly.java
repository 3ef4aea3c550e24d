package org.deepbase.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.InputTensor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.nn.LoadedModel;

/**
 * The floor every inspection benchmark is measured against: the model's bare forward passes up to a
 * layer over a dataset, reading the same inputs as DeepBase, with nothing extracted or scored.
 */
final class ForwardOnly {
  private ForwardOnly() {}

  /**
   * Runs the forward passes with DeepBase's extraction of every unit of {@code layers} as an exact
   * inspection asks for them (resizing left to the consumer), closing each batch unscored: the
   * floor plus what extracting costs, so that an inspection's time splits into extraction and
   * scoring.
   */
  static void extracting(
      ModelDescriptor model,
      List<LayerInfo> layers,
      Checkpoint checkpoint,
      Path datasetDir,
      DatasetDescriptor data,
      int batch) {
    List<LayerRequest> requests = new ArrayList<>();
    for (LayerInfo layer : layers) {
      requests.add(new LayerRequest(layer, IntStream.range(0, layer.unitCount()).toArray()));
    }
    try (LoadedModel loaded = LoadedModel.load(model, checkpoint);
        DatasetReader reader = new DatasetReader(datasetDir, data, i -> true, batch);
        BufferAllocator allocator = Allocators.newChild("extract-only")) {
      Extractor extractor =
          new Extractor(loaded, requests, data.symbolShape(), new ExtractionMetrics())
              .withDeferredResize();
      while (reader.hasNext()) {
        for (BehaviorBatch behaviors : extractor.extract(reader.next(), allocator)) {
          // Values written on first use are written here: raw() asks for every unit.
          try (behaviors) {
            behaviors.raw();
          }
        }
      }
    }
  }

  /**
   * Runs the forward passes through layers 0..deepest in batches of {@code batch} records, over the
   * dataset's first {@code firstRecords} records ({@link Integer#MAX_VALUE}: all).
   */
  static void run(
      ModelDescriptor model,
      Checkpoint checkpoint,
      Path datasetDir,
      DatasetDescriptor data,
      int deepest,
      int batch,
      int firstRecords) {
    try (LoadedModel loaded = LoadedModel.load(model, checkpoint);
        DatasetReader reader = new DatasetReader(datasetDir, data, i -> i < firstRecords, batch);
        BufferAllocator allocator = Allocators.newChild("forward-only")) {
      JniUtils.setGradMode(false);
      while (reader.hasNext()) {
        RecordBatch records = reader.next();
        // The input tensor as DeepBase's extractor makes it: the floor pays no more for its inputs.
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
            InputTensor input = InputTensor.ofBatch(manager, allocator, records, model)) {
          NDArray x = input.array();
          // In the pieces DeepBase's extractor runs: the floor is the same forward computation.
          NDArray[] taps =
              loaded.forward(x, deepest, LoadedModel.forwardPiece(model), i -> i == deepest);
          taps[deepest].toByteBuffer(true); // force the computation; a view, no copy
        }
      }
    }
  }
}
