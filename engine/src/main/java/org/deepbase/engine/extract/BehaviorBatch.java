package org.deepbase.engine.extract;

import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.Float4Vector;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.LayerInfo;

/**
 * Behaviors of some units of one layer over a batch of records, in Arrow vectors.
 *
 * <p>Vector {@code i} holds unit {@code units[i]}'s values, record-major: the value of the batch's
 * record r at symbol s is at {@code r * symbols + s}. The batch owns its vectors.
 *
 * @param layer the tapped layer
 * @param units the unit numbers, one per vector
 * @param recordIds the record ids of the batch, in order
 * @param symbols symbols per record (after resizing to the annotation grid)
 * @param vectors one vector per unit
 * @param rawSymbols symbols per record on the layer's own grid
 * @param raw one vector per unit on the layer's own grid, before resizing (for measures that take
 *     their threshold there, as NetDissect-Lite does); empty when not asked for or when the layer's
 *     grid is the annotation grid (then {@code vectors} are the raw values)
 * @param pending null, or the resize the consumer still has to apply: the batch holds the values on
 *     the layer's own grid only ({@code raw}, {@code vectors} empty), see {@link
 *     GridAlignment#defer}
 * @param zeroOutside null, or per unit (as {@code units}) null or the cells, as bits over {@code
 *     record * rawSymbols + symbol}, outside which the unit's own-grid values ({@code raw}) are all
 *     0, with no value negative anywhere (a spill's sparse part): a consumer may visit those cells
 *     only. Set with resizing pending only.
 * @param fill null, or what writes the {@code raw} vectors on first use ({@link UnitFill}): read
 *     them through {@link #raw()} or {@link #rawUnit}, which write them first. Set with resizing
 *     pending only.
 */
public record BehaviorBatch(
    LayerInfo layer,
    int[] units,
    int[] recordIds,
    int symbols,
    List<Float4Vector> vectors,
    int rawSymbols,
    List<Float4Vector> raw,
    @Nullable BilinearResize pending,
    long @Nullable [][] zeroOutside,
    @Nullable UnitFill fill)
    implements AutoCloseable {

  public BehaviorBatch {
    Objects.requireNonNull(layer, "layer is null");
    if (pending != null && (!vectors.isEmpty() || raw.size() != units.length)) {
      throw new IllegalArgumentException(
          "a batch with resizing pending holds own-grid values only");
    }
    if (pending == null && units.length != vectors.size()) {
      throw new IllegalArgumentException(
          units.length + " units but " + vectors.size() + " vectors");
    }
    if (pending == null && !raw.isEmpty() && raw.size() != vectors.size()) {
      throw new IllegalArgumentException(
          raw.size() + " raw vectors for " + units.length + " units");
    }
    if (zeroOutside != null && (pending == null || zeroOutside.length != units.length)) {
      throw new IllegalArgumentException("zero-outside cells need resizing pending, one per unit");
    }
    if (fill != null && pending == null) {
      throw new IllegalArgumentException("values written on first use need resizing pending");
    }
  }

  /** A batch whose values are on the annotation grid only. */
  public BehaviorBatch(
      LayerInfo layer, int[] units, int[] recordIds, int symbols, List<Float4Vector> vectors) {
    this(layer, units, recordIds, symbols, vectors, symbols, List.of(), null, null, null);
  }

  /** A batch with values on the annotation grid and, when not empty, on the layer's own grid. */
  public BehaviorBatch(
      LayerInfo layer,
      int[] units,
      int[] recordIds,
      int symbols,
      List<Float4Vector> vectors,
      int rawSymbols,
      List<Float4Vector> raw) {
    this(layer, units, recordIds, symbols, vectors, rawSymbols, raw, null, null, null);
  }

  /** A batch on the layer's own grid whose consumer resizes (see {@link GridAlignment#defer}). */
  static BehaviorBatch deferred(
      LayerInfo layer,
      int[] units,
      int[] recordIds,
      int symbols,
      int rawSymbols,
      List<Float4Vector> raw,
      BilinearResize resize,
      @Nullable UnitFill fill) {
    return new BehaviorBatch(
        layer, units, recordIds, symbols, List.of(), rawSymbols, raw, resize, null, fill);
  }

  /**
   * Returns this batch (same vectors, owned by the result instead) knowing where its units' values
   * are 0 ({@link #zeroOutside}).
   */
  public BehaviorBatch withZeroOutside(long[][] cells) {
    return new BehaviorBatch(
        layer, units, recordIds, symbols, vectors, rawSymbols, raw, pending, cells, fill);
  }

  /**
   * Returns the values on the annotation grid, one vector per unit.
   *
   * @throws IllegalStateException when resizing is pending: a consumer that does not resize must
   *     not read own-grid values as aligned ones
   */
  @Override
  public List<Float4Vector> vectors() {
    if (pending != null) {
      throw new IllegalStateException(
          "layer '" + layer.name() + "': resizing is pending, the batch holds own-grid values");
    }
    return vectors;
  }

  /** Returns the values on the layer's own grid, one vector per unit (empty: not held). */
  @Override
  public List<Float4Vector> raw() {
    if (fill != null) {
      fill.all();
    }
    return raw;
  }

  /**
   * Returns the i-th unit's values on the layer's own grid, written now if they are written on
   * first use: a consumer that visits the units one at a time reads each while it is in the cache.
   */
  public Float4Vector rawUnit(int i) {
    return fill != null ? fill.unit(i) : raw.get(i);
  }

  /** Returns whether the batch holds its values on the layer's own grid too. */
  public boolean hasRaw() {
    return !raw.isEmpty();
  }

  /** Returns the value of the i-th unit at record position r (within the batch) and symbol s. */
  public float value(int i, int r, int s) {
    return vectors().get(i).get(r * symbols + s);
  }

  @Override
  public void close() {
    vectors.forEach(Float4Vector::close);
    raw.forEach(Float4Vector::close);
    if (fill != null) {
      fill.close();
    }
  }
}
