package org.deepbase.engine.catalog;

import java.util.List;
import java.util.Objects;

/**
 * Describes a tapped layer's output for one record.
 *
 * @param model the model's name
 * @param name the layer's name
 * @param index position in forward order, from 0
 * @param kind the layer kind from its spec
 * @param shape output shape of one record: [C, H, W] (conv), [D] (dense)
 */
public record LayerInfo(String model, String name, int index, String kind, List<Integer> shape) {
  public LayerInfo {
    Objects.requireNonNull(model, "model is null");
    Objects.requireNonNull(name, "name is null");
    shape = List.copyOf(shape);
  }

  /** Returns the number of units: channels of a grid output, features of a dense one. */
  public int unitCount() {
    return shape.get(0);
  }

  /** Returns the number of symbols one unit has per record (1 for a dense layer). */
  public int symbolCount() {
    return Shapes.product(shape.subList(1, shape.size()));
  }

  /** Returns the symbol grid of one unit ([H, W] or [] for dense). */
  public List<Integer> grid() {
    return shape.subList(1, shape.size());
  }
}
