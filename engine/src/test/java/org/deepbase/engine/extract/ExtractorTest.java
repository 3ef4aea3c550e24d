package org.deepbase.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.DjlModel;
import org.deepbase.engine.nn.LoadedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractorTest {
  static final ModelDescriptor MODEL =
      new ModelDescriptor(
          "tiny",
          "djl",
          List.of(2, 4, 6),
          List.of(
              LayerSpec.conv2d("conv1", 3, 3),
              LayerSpec.maxPool("pool1", 2),
              LayerSpec.linear("fc", 5, true),
              LayerSpec.linear("out", 2, false)));

  @Test
  void forwardPiecesKeepTheFirstActivationUnderTheAllocatorsMmapCap() {
    ModelDescriptor resnet =
        new ModelDescriptor("resnet", "djl", List.of(3, 224, 224), MODEL.layers());
    assertEquals(8, LoadedModel.forwardPiece(resnet), "602 KB inputs: pieces of 8");
    assertEquals(
        LoadedModel.FORWARD_INPUT_BYTES / (48 * 4),
        LoadedModel.forwardPiece(MODEL),
        "small inputs");
    ModelDescriptor huge =
        new ModelDescriptor("huge", "djl", List.of(3, 2048, 2048), MODEL.layers());
    assertEquals(1, LoadedModel.forwardPiece(huge), "at least one record");
  }

  @Test
  void tapsMatchAPlainForwardPassAndFreeEverything(@TempDir Path dir) throws Exception {
    try (NDManager manager = NDManager.newBaseManager("PyTorch");
        Model model = Model.newInstance("tiny", "PyTorch")) {
      SequentialBlock net = Architecture.build(MODEL);
      net.initialize(manager, DataType.FLOAT32, Architecture.inputShape(MODEL, 1));
      model.setBlock(net);
      model.setProperty("Epoch", "2");
      model.save(dir, "tiny");
    }
    int batch = 5;
    float[] inputs = new float[batch * 48];
    Random rng = new Random(1);
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = (float) rng.nextGaussian();
    }
    List<DatasetRecord> records = new ArrayList<>();
    for (int r = 0; r < batch; r++) {
      records.add(
          new DatasetRecord(10 + r, FloatBuffer.wrap(inputs, r * 48, 48), java.util.Map.of()));
    }
    List<LayerInfo> layers = Architecture.describeLayers(MODEL);
    assertEquals(List.of(3, 2, 3), layers.get(1).shape(), "pool halves the grid");
    try (DjlModel loaded =
            DjlModel.load(MODEL, new Checkpoint("tiny", 2, dir.resolve("tiny-0002.params")));
        BufferAllocator allocator = Allocators.newChild("test");
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      // Reference: run every child by hand and keep conv1 and fc.
      NDArray x = manager.create(inputs, Architecture.inputShape(MODEL, batch));
      float[][] expected = new float[4][];
      for (int i = 0; i < 4; i++) {
        x =
            loaded
                .layers()
                .get(i)
                .forward(loaded.parameters(), new NDList(x), false)
                .singletonOrThrow();
        expected[i] = x.toFloatArray();
      }
      // A batch run in pieces gives every layer the same outputs (records are independent).
      for (int piece : new int[] {1, 2, 3, 5, 7}) {
        try (NDManager pieces = manager.newSubManager()) {
          NDArray whole = pieces.create(inputs, Architecture.inputShape(MODEL, batch));
          NDArray[] taps = loaded.forward(whole, 3, piece, i -> i != 1);
          for (int i = 0; i < 4; i++) {
            if (i == 1 && piece < batch) {
              assertEquals(null, taps[i], "a layer nobody reads is not joined");
            } else {
              // To float rounding: libtorch multiplies a piece of one record as a matrix-vector
              // product, in another summation order than the batch's matrix product (the weights
              // are DJL's unseeded initial ones: 1.8e-6 apart on a dense layer's -0.28, once).
              assertArrayEquals(expected[i], taps[i].toFloatArray(), 1e-5f, piece + " " + i);
            }
          }
        }
      }
      ExtractionMetrics metrics = new ExtractionMetrics();
      Extractor extractor =
          new Extractor(
              loaded,
              List.of(
                  new LayerRequest(layers.get(0), new int[] {2, 0}),
                  new LayerRequest(layers.get(2), new int[] {4})),
              List.of(4, 6),
              metrics);
      List<BehaviorBatch> out =
          extractor.extract(new RecordBatch(FloatBuffer.wrap(inputs), records), allocator);
      assertEquals(1, metrics.forwardPasses(), "one forward pass for both layers");
      assertEquals(3, metrics.layerForwards(), "stops after fc, the deepest requested layer");
      BehaviorBatch conv = out.get(0);
      assertEquals(24, conv.symbols());
      for (int r = 0; r < batch; r++) {
        for (int s = 0; s < 24; s++) {
          assertEquals(expected[0][(r * 3 + 2) * 24 + s], conv.value(0, r, s), 0f);
          assertEquals(expected[0][(r * 3) * 24 + s], conv.value(1, r, s), 0f);
        }
        assertEquals(expected[2][r * 5 + 4], out.get(1).value(0, r, 0), 0f);
      }
      assertEquals(10, conv.recordIds()[0]);
      out.forEach(BehaviorBatch::close);
      // The pooled 2 x 3 grid is resized to the 4 x 6 annotation grid.
      BehaviorBatch pooled =
          new Extractor(
                  loaded,
                  List.of(new LayerRequest(layers.get(1), new int[] {1})),
                  List.of(4, 6),
                  metrics)
              .extract(new RecordBatch(FloatBuffer.wrap(inputs), records), allocator)
              .get(0);
      float[] resized = new float[24];
      BilinearResize.resize(expected[1], (0 * 3 + 1) * 6, 2, 3, resized, 4, 6);
      for (int s = 0; s < 24; s++) {
        assertEquals(resized[s], pooled.value(0, 0, s), 1e-6f);
      }
      pooled.close();
      assertEquals(0, allocator.getAllocatedMemory(), "batches released their vectors");
      // Resizing deferred, every unit: each unit's own-grid values gathered from the record-major
      // output, also when the model hands out a tensor laid out unit-major (not contiguous), and
      // from a batch run in pieces (2, 2 and 1 records).
      LayerRequest allPooled = new LayerRequest(layers.get(1), new int[] {0, 1, 2});
      for (LoadedModel source :
          List.of(loaded, new UnitMajorLayout(loaded), new InPiecesOfTwo(loaded))) {
        try (BehaviorBatch deferred =
            new Extractor(source, List.of(allPooled), List.of(4, 6), metrics)
                .withDeferredResize()
                .extract(new RecordBatch(FloatBuffer.wrap(inputs), records), allocator)
                .get(0)) {
          assertTrue(deferred.pending() != null, "resizing is left to the consumer");
          assertEquals(6, deferred.rawSymbols());
          // Written on first use: unit by unit, last first, as a consumer on many cores asks.
          for (int u = 2; u >= 0; u--) {
            Float4Vector unit = deferred.rawUnit(u);
            for (int r = 0; r < batch; r++) {
              for (int s = 0; s < 6; s++) {
                assertEquals(
                    expected[1][(r * 3 + u) * 6 + s],
                    unit.get(r * 6 + s),
                    1e-5f, // a one-record piece rounds as a matrix-vector product (above)
                    source + " unit " + u + " record " + r + " symbol " + s);
              }
            }
          }
        }
      }
      // The same layer asked for twice, from a batch run in pieces: both batches hold its values
      // (the pieces cannot move to one batch while the other reads them).
      List<BehaviorBatch> twice =
          new Extractor(
                  new InPiecesOfTwo(loaded), List.of(allPooled, allPooled), List.of(4, 6), metrics)
              .withDeferredResize()
              .extract(new RecordBatch(FloatBuffer.wrap(inputs), records), allocator);
      try {
        for (int b = 0; b < 2; b++) {
          for (int u = 0; u < 3; u++) {
            for (int r = 0; r < batch; r++) {
              for (int s = 0; s < 6; s++) {
                assertEquals(
                    expected[1][(r * 3 + u) * 6 + s],
                    twice.get(b).raw().get(u).get(r * 6 + s),
                    1e-5f,
                    "request " + b + " unit " + u + " record " + r + " symbol " + s);
              }
            }
          }
        }
      } finally {
        twice.forEach(BehaviorBatch::close);
      }
      assertEquals(0, allocator.getAllocatedMemory(), "deferred batches released their vectors");
      // A model computing in float64 (a TorchScript export may): behaviors are still float32
      // values, and the tensor they live in is counted by the allocator until the batch closes.
      LoadedModel inDouble = new InDouble(loaded);
      BehaviorBatch wide =
          new Extractor(
                  inDouble,
                  List.of(new LayerRequest(layers.get(0), new int[] {0, 1, 2})),
                  List.of(4, 6),
                  metrics)
              .extract(new RecordBatch(FloatBuffer.wrap(inputs), records), allocator)
              .get(0);
      assertTrue(
          allocator.getAllocatedMemory() >= (long) batch * 3 * 24 * Float.BYTES,
          "the behaviors' memory is counted: " + allocator.getAllocatedMemory());
      for (int r = 0; r < batch; r++) {
        for (int u = 0; u < 3; u++) {
          for (int s = 0; s < 24; s++) {
            assertEquals(expected[0][(r * 3 + u) * 24 + s], wide.value(u, r, s), 1e-6f);
          }
        }
      }
      wide.close();
      assertEquals(0, allocator.getAllocatedMemory(), "the tensor is released with the batch");
    }
  }

  /** A loaded model that hands every call to {@link #model}; implementations change one. */
  private interface Wrapping extends LoadedModel {
    LoadedModel model();

    @Override
    default ModelDescriptor descriptor() {
      return model().descriptor();
    }

    @Override
    default Checkpoint checkpoint() {
      return model().checkpoint();
    }

    @Override
    default NDArray[] forward(NDArray input, int deepest, boolean withGradient) {
      return model().forward(input, deepest, withGradient);
    }

    @Override
    default int layersComputed(int deepest) {
      return model().layersComputed(deepest);
    }

    @Override
    default void close() {}
  }

  /**
   * A loaded model whose layers hand out [B, C, ...] tensors stored unit-major (a strided view).
   */
  private record UnitMajorLayout(LoadedModel model) implements Wrapping {
    @Override
    public NDArray[] forward(NDArray input, int deepest, boolean withGradient) {
      NDArray[] taps = model.forward(input, deepest, withGradient);
      for (int i = 0; i < taps.length; i++) {
        if (taps[i] != null && taps[i].getShape().dimension() == 4) {
          // A copy laid out [C, B, H, W] (reshaping the transposed view cannot keep its strides),
          // seen as [B, C, H, W] again: the same values in another order in memory.
          Shape shape = taps[i].getShape();
          Shape unitMajor = new Shape(shape.get(1), shape.get(0), shape.get(2), shape.get(3));
          taps[i] =
              taps[i]
                  .transpose(1, 0, 2, 3)
                  .reshape(shape.get(1), -1)
                  .reshape(unitMajor)
                  .transpose(1, 0, 2, 3);
        }
      }
      return taps;
    }
  }

  /** A loaded model that runs every batch in pieces of two records. */
  private record InPiecesOfTwo(LoadedModel model) implements Wrapping {
    @Override
    public NDArray[][] forwardInPieces(
        NDArray input, int deepest, int piece, java.util.function.IntPredicate wanted) {
      NDArray[][] pieces = Wrapping.super.forwardInPieces(input, deepest, 2, wanted);
      assertEquals(3, pieces[1].length, "5 records in pieces of 2");
      return pieces;
    }
  }

  /** A loaded model whose layers hand out float64 tensors. */
  private record InDouble(LoadedModel model) implements Wrapping {
    @Override
    public NDArray[] forward(NDArray input, int deepest, boolean withGradient) {
      NDArray[] taps = model.forward(input, deepest, withGradient);
      for (int i = 0; i < taps.length; i++) {
        taps[i] = taps[i] == null ? null : taps[i].toType(DataType.FLOAT64, false);
      }
      return taps;
    }
  }
}
