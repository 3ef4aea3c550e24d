package org.deepbase.engine.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.Shapes;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.nn.LoadedModel;

/**
 * Runs ONE forward pass per batch and taps every requested layer on the way.
 *
 * <p>The pass stops after the deepest requested layer where the model format allows it. All
 * NDArrays of a batch live in a manager closed before {@link #extract} returns, but for the tapped
 * outputs themselves: behaviors leave as Arrow vectors counted by the caller's allocator (ownership
 * passes to the returned batches), over the tensors' own memory when no resizing is needed ({@link
 * NativeBehaviors}). Layer grids are aligned with the annotation grid: equal grids are copied,
 * different grids of the same rank are resized (bilinear, or linear for 1-D), and a dense unit's
 * one value is broadcast to every symbol of its record.
 */
public final class Extractor {
  private final LoadedModel model;
  private final List<LayerRequest> requests;
  private final List<Integer> grid;
  private final BehaviorKind kind;
  private final int deepest;

  /** The layers whose outputs are read (by index). */
  private final java.util.BitSet requested = new java.util.BitSet();

  private final ExtractionMetrics metrics;
  private final boolean keepRaw;
  private final boolean deferResize;

  /**
   * Creates an activation extractor (see {@link #Extractor(LoadedModel, List, List, BehaviorKind,
   * ExtractionMetrics)}).
   */
  public Extractor(
      LoadedModel model,
      List<LayerRequest> requests,
      List<Integer> grid,
      ExtractionMetrics metrics) {
    this(model, requests, grid, BehaviorKind.ACTIVATION, metrics);
  }

  /**
   * Creates an extractor.
   *
   * @param model the loaded checkpoint
   * @param requests the layers and units to deliver
   * @param grid the annotation grid (the dataset's symbol shape) behaviors are aligned to
   * @param kind activations, or gradients w.r.t. the input
   * @param metrics where the forward passes are counted (the workspace's)
   */
  public Extractor(
      LoadedModel model,
      List<LayerRequest> requests,
      List<Integer> grid,
      BehaviorKind kind,
      ExtractionMetrics metrics) {
    this(model, requests, grid, kind, metrics, false, false);
  }

  private Extractor(
      LoadedModel model,
      List<LayerRequest> requests,
      List<Integer> grid,
      BehaviorKind kind,
      ExtractionMetrics metrics,
      boolean keepRaw,
      boolean deferResize) {
    this.keepRaw = keepRaw;
    this.deferResize = deferResize;
    this.model = model;
    this.metrics = java.util.Objects.requireNonNull(metrics, "metrics is null");
    this.requests = List.copyOf(requests);
    this.grid = List.copyOf(grid);
    this.kind = kind;
    this.deepest = requests.stream().mapToInt(r -> r.layer().index()).max().orElse(-1);
    requests.forEach(r -> requested.set(r.layer().index()));
    if (kind == BehaviorKind.GRADIENT) {
      Saliency.channelAxis(model.descriptor(), this.grid);
      GradientCheck.require();
    }
  }

  /**
   * Returns an extractor that also delivers each resized layer's values on its own grid ({@link
   * BehaviorBatch#raw}), for measures that take their threshold there.
   */
  public Extractor withRawGrids() {
    return new Extractor(model, requests, grid, kind, metrics, true, deferResize);
  }

  /**
   * Returns an extractor that delivers resized layers on their own grid with the resize still to do
   * ({@link GridAlignment#defer}): for consumers that resize only what they need (the
   * accumulators); copied and broadcast layers are delivered as before.
   */
  public Extractor withDeferredResize() {
    return new Extractor(model, requests, grid, kind, metrics, true, true);
  }

  /** Extracts the requested behaviors of one batch, one {@link BehaviorBatch} per request. */
  public List<BehaviorBatch> extract(RecordBatch batch, BufferAllocator allocator) {
    return run(batch, allocator);
  }

  private List<BehaviorBatch> run(RecordBatch batch, BufferAllocator allocator) {
    boolean gradient = kind == BehaviorKind.GRADIENT;
    // Grad mode is per thread: off, forwards would otherwise record a backward graph.
    JniUtils.setGradMode(gradient);
    int[] recordIds = batch.records().stream().mapToInt(r -> r.recordId()).toArray();
    List<BehaviorBatch> out = new ArrayList<>(requests.size());
    try (NDManager manager = NDManager.newBaseManager("PyTorch");
        InputTensor input = InputTensor.ofBatch(manager, allocator, batch, model.descriptor())) {
      NDArray x = input.array();
      if (gradient) {
        out.addAll(saliency(x, recordIds, allocator));
        return out;
      }
      // One forward pass over the batch, run in pieces small enough for the allocator to reuse.
      NDArray[][] pieces =
          model.forwardInPieces(
              x, deepest, LoadedModel.forwardPiece(model.descriptor()), requested::get);
      metrics.recordForward(model.layersComputed(deepest));
      // A layer is delivered from its pieces, never joined, when its one request can be: the
      // pieces move to that request's batch. A layer asked for twice is joined for both.
      int[] requestsOf = new int[pieces.length];
      requests.forEach(r -> requestsOf[r.layer().index()]++);
      boolean[] fromPieces = new boolean[requests.size()];
      boolean[] join = new boolean[pieces.length];
      for (int r = 0; r < requests.size(); r++) {
        int layer = requests.get(r).layer().index();
        fromPieces[r] = requestsOf[layer] == 1 && fromPieces(requests.get(r));
        join[layer] |= !fromPieces[r];
      }
      NDArray[] joined = LoadedModel.joined(pieces, i -> join[i]);
      for (int r = 0; r < requests.size(); r++) {
        LayerRequest request = requests.get(r);
        int layer = request.layer().index();
        out.add(
            fromPieces[r]
                ? deferRecordMajor(pieces[layer], request, recordIds, allocator)
                : toArrow(float32(joined[layer]), request, recordIds, allocator));
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(BehaviorBatch::close);
      throw e;
    } finally {
      if (gradient) {
        JniUtils.setGradMode(false);
      }
    }
  }

  /**
   * Computes every requested unit's saliency from ONE forward pass that records the graph for all
   * requested layers, and one backward pass per unit (the graph kept until the last). Records are
   * independent, so the gradient of the batch sum is each record's; the input's gradient is reset
   * between units because backward passes accumulate into it.
   */
  private List<BehaviorBatch> saliency(NDArray input, int[] recordIds, BufferAllocator allocator) {
    int batch = recordIds.length;
    int symbols = Shapes.product(grid);
    // Arrays made by a manager are inference tensors, which autograd refuses: use a copy.
    NDArray x = input.duplicate();
    x.setRequiresGradient(true);
    NDArray[] taps = model.forward(x, deepest, true);
    metrics.recordForward(model.layersComputed(deepest));
    int remaining = requests.stream().mapToInt(r -> r.units().length).sum();
    List<BehaviorBatch> out = new ArrayList<>(requests.size());
    try {
      for (LayerRequest request : requests) {
        List<Float4Vector> vectors = new ArrayList<>(request.units().length);
        try {
          for (int unit : request.units()) {
            try (NDManager pass = input.getManager().newSubManager()) {
              NDArray target = taps[request.layer().index()].get(new NDIndex(":, {}", unit)).sum();
              target.attach(pass);
              NDArray ones = target.onesLike();
              JniUtils.backward((PtNDArray) target, (PtNDArray) ones, --remaining > 0, false);
              NDArray gradient = x.getGradient();
              NDArray map = Saliency.reduce(model.descriptor(), grid, gradient);
              map.attach(pass);
              Float4Vector vector =
                  GridAlignment.newVector(
                      request.layer(), unit, batch * symbols, allocator, vectors);
              vector.getDataBuffer().setBytes(0, map.toByteBuffer(true));
              vector.setValueCount(batch * symbols);
              gradient.subi(gradient);
            }
          }
        } catch (RuntimeException e) {
          vectors.forEach(Float4Vector::close);
          throw e;
        }
        out.add(new BehaviorBatch(request.layer(), request.units(), recordIds, symbols, vectors));
      }
    } catch (RuntimeException e) {
      out.forEach(BehaviorBatch::close);
      throw e;
    }
    return out;
  }

  private BehaviorBatch toArrow(
      NDArray values, LayerRequest request, int[] recordIds, BufferAllocator allocator) {
    LayerInfo layer = request.layer();
    int batch = recordIds.length;
    int symbols = layer.symbolCount();
    GridAlignment alignment = GridAlignment.of(layer, grid);
    // [B, C, S] -> [C, B, S] in native code so that each unit is one contiguous run; when only some
    // units are asked for, pick them natively too, so only their values leave native memory.
    NDArray unitMajor = values.reshape(batch, layer.unitCount(), symbols).transpose(1, 0, 2);
    int[] units = request.units();
    boolean all = allUnits(request);
    NDList picked = new NDList();
    if (!all) {
      for (int u : units) {
        picked.add(unitMajor.get(u));
      }
    }
    NDArray source = all ? unitMajor : NDArrays.stack(picked);
    int runBytes = batch * symbols * Float.BYTES;
    if (alignment.copies()) {
      // The behaviors ARE the (made contiguous) tensor: it moves to a manager of its own, which
      // the Arrow vectors own from here on. No copy leaves native memory.
      NDManager owner = NDManager.newBaseManager("PyTorch");
      List<String> names = new ArrayList<>(units.length);
      for (int unit : units) {
        names.add(layer.name() + "." + unit);
      }
      ByteBuffer bytes;
      try {
        source.attach(owner);
        bytes =
            source.toByteBuffer(
                true); // a contiguous copy, if one is needed, joins the same manager
      } catch (RuntimeException e) {
        owner.close();
        throw e;
      }
      return new BehaviorBatch(
          layer,
          request.units(),
          recordIds,
          symbols,
          NativeBehaviors.wrap(bytes, owner, runBytes, names, allocator));
    }
    // tryDirect: a view of the (made contiguous) native array, read once below; without it DJL
    // copies into a heap array first. The view lives as long as the batch manager.
    ByteBuffer bytes = source.toByteBuffer(true);
    return alignment.deliver(
        units, recordIds, i -> bytes.slice(i * runBytes, runBytes), delivery(), allocator);
  }

  private GridAlignment.Delivery delivery() {
    return deferResize
        ? GridAlignment.Delivery.DEFERRED
        : keepRaw ? GridAlignment.Delivery.ALIGNED_AND_OWN : GridAlignment.Delivery.ALIGNED;
  }

  /**
   * Whether a request is delivered from the forward pass' pieces ({@link #deferRecordMajor}): every
   * unit of a layer whose resize is left to the consumer.
   */
  private boolean fromPieces(LayerRequest request) {
    return GridAlignment.of(request.layer(), grid).defers(delivery()) && allUnits(request);
  }

  private static boolean allUnits(LayerRequest request) {
    int[] units = request.units();
    boolean all = units.length == request.layer().unitCount();
    for (int i = 0; all && i < units.length; i++) {
      all = units[i] == i;
    }
    return all;
  }

  /**
   * Behaviors are float32 whatever the layer computes in (a TorchScript model may run in float64 or
   * float16): their bytes are read as floats.
   */
  private static NDArray float32(NDArray output) {
    return output.getDataType() == DataType.FLOAT32
        ? output
        : output.toType(DataType.FLOAT32, false);
  }

  /**
   * Delivers every unit of a layer resized on demand straight from the model's record-major outputs
   * ([records, C, S], in the pieces the batch ran in): each unit's vector gathers its runs of S
   * values, one per record, when a consumer first asks for the unit ({@link UnitFill}), so that the
   * consumer reads it from the cache. The one copy replaces three (joining the pieces, a native
   * transpose to unit-major order, then its copy into Arrow), each a pass over memory the caches no
   * longer hold: on a ResNet-18's four stages that is 48 MB a batch. The pieces move to a manager
   * the batch owns, freed once every unit is gathered.
   */
  private BehaviorBatch deferRecordMajor(
      NDArray[] pieces, LayerRequest request, int[] recordIds, BufferAllocator allocator) {
    GridAlignment alignment = GridAlignment.of(request.layer(), grid);
    int units = request.layer().unitCount();
    int runBytes = request.layer().symbolCount() * Float.BYTES;
    ByteBuffer[] bytes = new ByteBuffer[pieces.length];
    int[] firstRecord = new int[pieces.length + 1];
    NDManager owner = NDManager.newBaseManager("PyTorch");
    try {
      for (int p = 0; p < pieces.length; p++) {
        pieces[p].attach(owner);
        // tryDirect: a view of the (made contiguous) native array; a copy, if one is made, joins
        // the same manager.
        bytes[p] = float32(pieces[p]).toByteBuffer(true);
        firstRecord[p + 1] = firstRecord[p] + bytes[p].remaining() / (units * runBytes);
        if (bytes[p].remaining() % (units * runBytes) != 0) {
          throw new IllegalStateException(
              request.layer().name()
                  + " computed "
                  + pieces[p].getShape()
                  + ", not records of "
                  + units
                  + " units of "
                  + request.layer().symbolCount()
                  + " symbols each");
        }
      }
      if (firstRecord[pieces.length] != recordIds.length) {
        throw new IllegalStateException(
            request.layer().name()
                + " computed "
                + firstRecord[pieces.length]
                + " records for a batch of "
                + recordIds.length);
      }
      return alignment.deferOnFirstUse(
          request.units(),
          recordIds,
          (data, unit) -> {
            for (int p = 0; p < bytes.length; p++) {
              for (int r = firstRecord[p]; r < firstRecord[p + 1]; r++) {
                int at = ((r - firstRecord[p]) * units + unit) * runBytes;
                data.setBytes((long) r * runBytes, bytes[p].slice(at, runBytes));
              }
            }
          },
          allocator,
          owner);
    } catch (RuntimeException e) {
      owner.close();
      throw e;
    }
  }
}
