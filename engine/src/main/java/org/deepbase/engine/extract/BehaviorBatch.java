package org.deepbase.engine.extract;

import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.Float4Vector;
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
 */
public record BehaviorBatch(
    LayerInfo layer,
    int[] units,
    int[] recordIds,
    int symbols,
    List<Float4Vector> vectors,
    int rawSymbols,
    List<Float4Vector> raw)
    implements AutoCloseable {

  public BehaviorBatch {
    Objects.requireNonNull(layer, "layer is null");
    if (units.length != vectors.size()) {
      throw new IllegalArgumentException(
          units.length + " units but " + vectors.size() + " vectors");
    }
    if (!raw.isEmpty() && raw.size() != vectors.size()) {
      throw new IllegalArgumentException(
          raw.size() + " raw vectors for " + units.length + " units");
    }
  }

  /** A batch whose values are on the annotation grid only. */
  public BehaviorBatch(
      LayerInfo layer, int[] units, int[] recordIds, int symbols, List<Float4Vector> vectors) {
    this(layer, units, recordIds, symbols, vectors, symbols, List.of());
  }

  /** Returns whether the batch holds its values on the layer's own grid too. */
  public boolean hasRaw() {
    return !raw.isEmpty();
  }

  /** Returns the value of the i-th unit at record position r (within the batch) and symbol s. */
  public float value(int i, int r, int s) {
    return vectors.get(i).get(r * symbols + s);
  }

  @Override
  public void close() {
    vectors.forEach(Float4Vector::close);
    raw.forEach(Float4Vector::close);
  }
}
