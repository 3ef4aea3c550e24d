package org.deepbase.engine.extract;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.Shapes;

/**
 * How a layer's symbols map onto the annotation grid, and the mapping itself: equal grids are
 * copied, different grids of the same rank are resized (bilinear, or linear for 1-D), and a dense
 * unit's one value is broadcast to every symbol of its record. Used where behaviors come from (the
 * extractor, on the tensors; the behavior cache, which keeps layers on their own grids).
 */
public final class GridAlignment {
  private enum Kind {
    COPY,
    RESIZE,
    BROADCAST
  }

  /** What a reader of stored own-grid values delivers. */
  public enum Delivery {
    /** Values on the annotation grid. */
    ALIGNED,
    /** Values on the annotation grid and on the layer's own grid ({@link BehaviorBatch#raw}). */
    ALIGNED_AND_OWN,
    /** Own-grid values with resizing left to the consumer, for resized layers ({@link #defer}). */
    DEFERRED
  }

  private final LayerInfo layer;
  private final List<Integer> grid;
  private final Kind kind;
  private final @Nullable BilinearResize resize;

  private GridAlignment(LayerInfo layer, List<Integer> grid, Kind kind) {
    this.layer = layer;
    this.grid = List.copyOf(grid);
    this.kind = kind;
    // A 1-D grid is a 1 x L image: bilinear with one row is linear interpolation.
    List<Integer> own = layer.grid();
    this.resize =
        kind == Kind.RESIZE
            ? new BilinearResize(
                own.size() == 2 ? own.get(0) : 1,
                own.get(own.size() - 1),
                grid.size() == 2 ? grid.get(0) : 1,
                grid.get(grid.size() - 1))
            : null;
  }

  /** Plans aligning a layer to an annotation grid, or fails naming both shapes. */
  public static GridAlignment of(LayerInfo layer, List<Integer> grid) {
    List<Integer> own = layer.grid();
    if (own.equals(grid) || layer.symbolCount() == 1 && Shapes.product(grid) == 1) {
      return new GridAlignment(layer, grid, Kind.COPY);
    }
    if (layer.symbolCount() == 1) {
      return new GridAlignment(layer, grid, Kind.BROADCAST);
    }
    if (own.size() == grid.size() && (own.size() == 1 || own.size() == 2)) {
      return new GridAlignment(layer, grid, Kind.RESIZE);
    }
    throw new DeepBaseException(
        ErrorCode.SHAPE_MISMATCH,
        "layer '"
            + layer.name()
            + "' has output shape "
            + layer.shape()
            + " (symbol grid "
            + own
            + ") but the dataset's symbol shape is "
            + grid
            + "; DeepBase resizes grids of the same rank and broadcasts dense layers");
  }

  /** Returns whether the layer's own values are the aligned ones (nothing to compute). */
  public boolean copies() {
    return kind == Kind.COPY;
  }

  /** Returns the resize plan when the layer's grid is resized to the annotation grid, else null. */
  public @Nullable BilinearResize resize() {
    return resize;
  }

  /** Aligns, or defers, per {@code delivery} (see {@link #align} and {@link #defer}). */
  public BehaviorBatch deliver(
      int[] units,
      int[] recordIds,
      IntFunction<ByteBuffer> ownValues,
      Delivery delivery,
      BufferAllocator allocator) {
    if (defers(delivery)) {
      return defer(units, recordIds, ownValues, allocator);
    }
    return align(units, recordIds, ownValues, delivery != Delivery.ALIGNED, allocator);
  }

  /**
   * Like {@link #align}, but leaves resizing to the consumer: the batch holds copies of the values
   * on the layer's own grid and the resize plan ({@link BehaviorBatch#pending}). Measures that need
   * only some resized values (those above a threshold) then compute only those. Only for resized
   * layers ({@link #resize} not null).
   */
  public BehaviorBatch defer(
      int[] units, int[] recordIds, IntFunction<ByteBuffer> ownValues, BufferAllocator allocator) {
    return deferFilled(
        units, recordIds, (data, i) -> data.setBytes(0, ownValues.apply(i)), allocator, false);
  }

  /**
   * Like {@link #defer}, the caller writing each unit's values on the layer's own grid straight
   * into its vector ({@code fill.accept(data, i)}: records x own symbols floats from offset 0),
   * which saves a copy when they are computed rather than read.
   *
   * @param parallel whether units may be filled on all cores (the vectors are allocated first, on
   *     this thread)
   */
  public BehaviorBatch deferFilled(
      int[] units,
      int[] recordIds,
      java.util.function.ObjIntConsumer<org.apache.arrow.memory.ArrowBuf> fill,
      BufferAllocator allocator,
      boolean parallel) {
    int values = recordIds.length * layer.symbolCount();
    List<Float4Vector> own = newVectors(units, values, allocator);
    try {
      IntStream indices = IntStream.range(0, units.length);
      (parallel ? indices.parallel() : indices)
          .forEach(
              i -> {
                Float4Vector copy = own.get(i);
                fill.accept(copy.getDataBuffer(), i);
                copy.setValueCount(values);
              });
      return deferred(units, recordIds, own, null);
    } catch (RuntimeException e) {
      own.forEach(Float4Vector::close);
      throw e;
    }
  }

  /**
   * Like {@link #defer}, taking ownership of vectors that already hold each unit's values on the
   * layer's own grid (records x own symbols, {@code own.get(i)} for {@code units[i]}): a reader
   * that loaded them from a file hands them over instead of copying them.
   */
  public BehaviorBatch deferOwned(int[] units, int[] recordIds, List<Float4Vector> own) {
    return deferred(units, recordIds, own, null);
  }

  /**
   * Like {@link #deferFilled}, but each unit's values are written when a consumer first asks for
   * them ({@link UnitFill}), from {@code source}, which the batch owns from here on (closed once
   * every unit is written, or with the batch).
   */
  public BehaviorBatch deferOnFirstUse(
      int[] units,
      int[] recordIds,
      java.util.function.ObjIntConsumer<org.apache.arrow.memory.ArrowBuf> fill,
      BufferAllocator allocator,
      AutoCloseable source) {
    int values = recordIds.length * layer.symbolCount();
    List<Float4Vector> own = newVectors(units, values, allocator);
    return deferred(units, recordIds, own, new UnitFill(own, fill, values, source));
  }

  /** A batch of own-grid vectors (owned by it) with the resize left to the consumer. */
  private BehaviorBatch deferred(
      int[] units, int[] recordIds, List<Float4Vector> own, @Nullable UnitFill fill) {
    BilinearResize plan = java.util.Objects.requireNonNull(resize, "the layer is not resized");
    return BehaviorBatch.deferred(
        layer, units, recordIds, Shapes.product(grid), layer.symbolCount(), own, plan, fill);
  }

  /**
   * Allocates a vector of {@code values} floats per unit (unwritten) of a resized layer; none is
   * left on failure.
   */
  private List<Float4Vector> newVectors(int[] units, int values, BufferAllocator allocator) {
    java.util.Objects.requireNonNull(resize, "the layer is not resized");
    List<Float4Vector> own = new ArrayList<>(units.length);
    try {
      for (int unit : units) {
        newVector(layer, unit, values, allocator, own);
      }
      return own;
    } catch (RuntimeException e) {
      own.forEach(Float4Vector::close);
      throw e;
    }
  }

  /** Returns whether {@link #deliver} with {@code delivery} defers resizing ({@link #defer}). */
  public boolean defers(Delivery delivery) {
    return delivery == Delivery.DEFERRED && resize != null;
  }

  /**
   * Aligns a batch of units whose values on the layer's own grid are given per unit ({@code
   * ownValues.apply(i)}: records x own symbols floats in native order, read only). The new vectors
   * are counted by {@code allocator} and owned by the returned batch.
   *
   * @param keepOwn also deliver copies of the values on the layer's own grid ({@link
   *     BehaviorBatch#raw})
   */
  public BehaviorBatch align(
      int[] units,
      int[] recordIds,
      IntFunction<ByteBuffer> ownValues,
      boolean keepOwn,
      BufferAllocator allocator) {
    if (kind == Kind.COPY) {
      throw new IllegalStateException("a copied layer is not aligned");
    }
    int batch = recordIds.length;
    int symbols = layer.symbolCount();
    int outSymbols = Shapes.product(grid);
    List<Float4Vector> vectors = new ArrayList<>(units.length);
    List<Float4Vector> own = new ArrayList<>(keepOwn ? units.length : 0);
    try {
      for (int unit : units) {
        newVector(layer, unit, batch * outSymbols, allocator, vectors);
        if (keepOwn) {
          newVector(layer, unit, batch * symbols, allocator, own);
        }
      }
      // Units are independent: align them on all cores (each reads its own values and writes its
      // own vectors; allocation stayed on this thread).
      IntStream.range(0, units.length)
          .parallel()
          .forEach(
              i -> {
                Float4Vector vector = vectors.get(i);
                ByteBuffer values = ownValues.apply(i).order(ByteOrder.nativeOrder());
                if (kind == Kind.RESIZE) {
                  fillResized(vector, values, batch);
                } else {
                  fillBroadcast(vector, values, batch, outSymbols);
                }
                vector.setValueCount(batch * outSymbols);
                if (keepOwn) {
                  Float4Vector copy = own.get(i);
                  copy.getDataBuffer().setBytes(0, values);
                  copy.setValueCount(batch * symbols);
                }
              });
    } catch (RuntimeException e) {
      vectors.forEach(Float4Vector::close);
      own.forEach(Float4Vector::close);
      throw e;
    }
    return new BehaviorBatch(layer, units, recordIds, outSymbols, vectors, symbols, own);
  }

  /**
   * Allocates a unit's vector, all values valid and not zeroed (the caller writes every one), and
   * adds it to {@code owned}.
   */
  static Float4Vector newVector(
      LayerInfo layer, int unit, int values, BufferAllocator allocator, List<Float4Vector> owned) {
    Float4Vector vector = new Float4Vector(layer.name() + "." + unit, allocator);
    owned.add(vector);
    Vectors.allocateUnzeroed(vector, values, allocator);
    return vector;
  }

  private static void fillBroadcast(
      Float4Vector vector, ByteBuffer run, int batch, int outSymbols) {
    FloatBuffer values = run.asFloatBuffer();
    FloatBuffer target = Vectors.floats(vector, batch * outSymbols);
    for (int r = 0; r < batch; r++) {
      float v = values.get(r);
      for (int s = 0; s < outSymbols; s++) {
        target.put(v);
      }
    }
  }

  private void fillResized(Float4Vector vector, ByteBuffer run, int batch) {
    BilinearResize plan = java.util.Objects.requireNonNull(resize);
    int symbols = plan.sourceSymbols();
    float[] src = new float[batch * symbols];
    run.asFloatBuffer().get(src);
    float[] dst = new float[plan.symbols()];
    float[] scratch = plan.newScratch();
    FloatBuffer target = Vectors.floats(vector, batch * plan.symbols());
    for (int r = 0; r < batch; r++) {
      plan.resize(src, r * symbols, dst, 0, scratch);
      target.put(dst);
    }
  }
}
