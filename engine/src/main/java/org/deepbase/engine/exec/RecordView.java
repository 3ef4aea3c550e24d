package org.deepbase.engine.exec;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.plan.ModelTarget;
import org.deepbase.engine.plan.UnitTarget;
import org.deepbase.engine.workspace.Workspace;

/** Reads one record and one unit's behavior on it, for pictures. */
public final class RecordView {
  private RecordView() {}

  /** Returns a record of a dataset, naming the range when the id is outside it. */
  public static DatasetRecord record(Workspace workspace, DatasetDescriptor dataset, int recordId) {
    if (recordId < 0 || recordId >= dataset.recordCount()) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "record "
              + recordId
              + " is not in dataset '"
              + dataset.name()
              + "' (0.."
              + (dataset.recordCount() - 1)
              + ")");
    }
    try (DatasetReader reader =
        new DatasetReader(workspace.datasetDir(dataset.name()), dataset, id -> id == recordId, 1)) {
      return reader.next().records().get(0);
    }
  }

  /**
   * Returns a unit's behavior over one record on the dataset's symbol grid.
   *
   * @param models an INSPECT models argument naming one checkpoint ('pacman', 'pacman@3')
   */
  public static float[] behavior(
      Workspace workspace,
      String models,
      String layer,
      int unit,
      DatasetDescriptor dataset,
      int recordId) {
    List<Checkpoint> checkpoints = Targets.checkpoints(workspace, ModelTarget.parseList(models));
    if (checkpoints.size() != 1) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "'"
              + models
              + "' names "
              + checkpoints.size()
              + " checkpoints; pictures need one (e.g. 'pacman' or 'pacman@3')");
    }
    ModelDescriptor model = workspace.model(checkpoints.get(0).model());
    List<LayerRequest> request =
        Targets.layers(workspace, model, List.of(UnitTarget.of(layer, unit)));
    DatasetRecord record = record(workspace, dataset, recordId);
    FloatBuffer input = FloatBuffer.allocate(dataset.inputSize());
    input.put(record.input().duplicate()).flip();
    try (LoadedModel loaded = LoadedModel.load(model, checkpoints.get(0));
        BufferAllocator allocator = Allocators.newChild("picture");
        BehaviorBatch batch =
            new Extractor(loaded, request, dataset.symbolShape(), workspace.metrics())
                .extract(new RecordBatch(input, List.of(record)), allocator)
                .get(0)) {
      float[] values = new float[batch.symbols()];
      batch
          .vectors()
          .get(0)
          .getDataBuffer()
          .nioBuffer(0, values.length * Float.BYTES)
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
      return values;
    }
  }
}
