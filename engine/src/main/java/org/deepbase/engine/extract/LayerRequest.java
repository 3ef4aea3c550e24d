package org.deepbase.engine.extract;

import java.util.Objects;
import org.deepbase.engine.catalog.LayerInfo;

/**
 * Asks the extractor for some units of one layer.
 *
 * @param layer the layer to tap
 * @param units the unit numbers, each in [0, layer.unitCount())
 */
public record LayerRequest(LayerInfo layer, int[] units) {
  public LayerRequest {
    Objects.requireNonNull(layer, "layer is null");
    for (int u : units) {
      if (u < 0 || u >= layer.unitCount()) {
        throw new IllegalArgumentException("unit " + u + " out of range for layer " + layer.name());
      }
    }
  }
}
