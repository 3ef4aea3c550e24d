package org.deepbase.engine.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.LoadedModel;

/**
 * Runs ONE forward pass per batch and taps every requested layer on the way.
 *
 * <p>The pass runs child by child and stops after the deepest requested layer. All NDArrays of a
 * batch live in a sub-manager closed before {@link #extract} returns; behaviors leave as Arrow
 * vectors allocated from the caller's allocator (ownership passes to the returned batches).
 */
public final class Extractor {
  private static final AtomicLong FORWARD_PASSES = new AtomicLong();
  private static final AtomicLong LAYER_FORWARDS = new AtomicLong();

  private final LoadedModel model;
  private final List<LayerRequest> requests;
  private final List<Integer> grid;
  private final int deepest;

  /**
   * Creates an extractor.
   *
   * @param model the loaded checkpoint
   * @param requests the layers and units to deliver
   * @param grid the annotation grid [H, W] that grid-shaped behaviors are resized to
   */
  public Extractor(LoadedModel model, List<LayerRequest> requests, List<Integer> grid) {
    this.model = model;
    this.requests = List.copyOf(requests);
    this.grid = List.copyOf(grid);
    this.deepest = requests.stream().mapToInt(r -> r.layer().index()).max().orElse(-1);
  }

  /** Returns how many forward passes ran in this process (tests use it to check sharing). */
  public static long forwardPasses() {
    return FORWARD_PASSES.get();
  }

  /** Returns how many layer forwards ran in this process (tests use it to check early stopping). */
  public static long layerForwards() {
    return LAYER_FORWARDS.get();
  }

  /** Extracts the requested behaviors of one batch, one {@link BehaviorBatch} per request. */
  public List<BehaviorBatch> extract(RecordBatch batch, BufferAllocator allocator) {
    // Grad mode is per thread; without this, forwards would record a backward graph.
    JniUtils.setGradMode(false);
    int[] recordIds = batch.records().stream().mapToInt(r -> r.recordId()).toArray();
    List<BehaviorBatch> out = new ArrayList<>(requests.size());
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray x = manager.create(batch.inputs().duplicate(), Architecture.inputShape(
          model.descriptor(), batch.size()));
      List<Block> layers = model.layers();
      FORWARD_PASSES.incrementAndGet();
      NDArray[] taps = new NDArray[deepest + 1];
      for (int i = 0; i <= deepest; i++) {
        x = layers.get(i).forward(model.parameters(), new NDList(x), false).singletonOrThrow();
        taps[i] = x;
        LAYER_FORWARDS.incrementAndGet();
      }
      for (LayerRequest request : requests) {
        out.add(toArrow(taps[request.layer().index()], request, recordIds, allocator));
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(BehaviorBatch::close);
      throw e;
    }
  }

  private BehaviorBatch toArrow(NDArray output, LayerRequest request, int[] recordIds,
      BufferAllocator allocator) {
    LayerInfo layer = request.layer();
    int batch = recordIds.length;
    int symbols = layer.symbolCount();
    boolean resize = layer.grid().size() == 2 && !layer.grid().equals(grid);
    if (layer.grid().size() != 0 && layer.grid().size() != 2) {
      throw new DeepBaseException(ErrorCode.SHAPE_MISMATCH, "layer '" + layer.name() + "' has output shape "
          + layer.shape() + "; grid layers must be [C, H, W] or dense [D]");
    }
    int outSymbols = resize ? grid.get(0) * grid.get(1) : symbols;
    // [B, C, S] -> [C, B, S] in native code so that each unit is one contiguous run; when only some
    // units are asked for, pick them natively too, so only their values leave native memory.
    NDArray unitMajor = output.reshape(batch, layer.unitCount(), symbols).transpose(1, 0, 2);
    int[] units = request.units();
    boolean all = units.length == layer.unitCount();
    for (int i = 0; all && i < units.length; i++) {
      all = units[i] == i;
    }
    NDList picked = new NDList();
    if (!all) {
      for (int u : units) {
        picked.add(unitMajor.get(u));
      }
    }
    ByteBuffer bytes = (all ? unitMajor : NDArrays.stack(picked)).toByteBuffer();
    List<Float4Vector> vectors = new ArrayList<>(units.length);
    try {
      for (int i = 0; i < units.length; i++) {
        int u = units[i];
        int position = all ? u : i;
        Float4Vector vector = new Float4Vector(layer.name() + "." + u, allocator);
        vectors.add(vector);
        int values = batch * outSymbols;
        vector.allocateNew(values);
        vector.getValidityBuffer().setOne(0, vector.getValidityBuffer().capacity());
        int runBytes = batch * symbols * Float.BYTES;
        if (resize) {
          fillResized(vector, bytes.slice(position * runBytes, runBytes), batch, layer);
        } else {
          vector.getDataBuffer().setBytes(0, bytes.slice(position * runBytes, runBytes));
        }
        vector.setValueCount(values);
      }
    } catch (RuntimeException e) {
      vectors.forEach(Float4Vector::close);
      throw e;
    }
    return new BehaviorBatch(layer, request.units(), recordIds, outSymbols, vectors);
  }

  private void fillResized(Float4Vector vector, ByteBuffer run, int batch, LayerInfo layer) {
    int h = layer.grid().get(0);
    int w = layer.grid().get(1);
    int oh = grid.get(0);
    int ow = grid.get(1);
    float[] src = new float[batch * h * w];
    run.order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().get(src);
    float[] dst = new float[oh * ow];
    FloatBuffer target = vector.getDataBuffer().nioBuffer(0, batch * oh * ow * Float.BYTES)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int r = 0; r < batch; r++) {
      BilinearResize.resize(src, r * h * w, h, w, dst, oh, ow);
      target.put(dst);
    }
  }
}
