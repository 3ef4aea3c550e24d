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
 */
public record BehaviorBatch(
    LayerInfo layer, int[] units, int[] recordIds, int symbols, List<Float4Vector> vectors)
    implements AutoCloseable {

  public BehaviorBatch {
    Objects.requireNonNull(layer, "layer is null");
    if (units.length != vectors.size()) {
      throw new IllegalArgumentException(
          units.length + " units but " + vectors.size() + " vectors");
    }
  }

  /** Returns the value of the i-th unit at record position r (within the batch) and symbol s. */
  public float value(int i, int r, int s) {
    return vectors.get(i).get(r * symbols + s);
  }

  @Override
  public void close() {
    vectors.forEach(Float4Vector::close);
  }
}
