package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * Describes a model (one training run) stored in {@code models/<name>/model.json}.
 *
 * @param name the model's SQL name
 * @param format {@code djl} for parameters saved by DJL over {@link #layers()}
 * @param inputShape shape of one record, without the batch axis, e.g. [6, 15, 19]
 * @param layers the sequential layers, in forward order
 */
public record ModelDescriptor(
    @JsonProperty("name") String name,
    @JsonProperty("format") String format,
    @JsonProperty("input_shape") List<Integer> inputShape,
    @JsonProperty("layers") List<LayerSpec> layers) {

  public static final String FILE_NAME = "model.json";

  public ModelDescriptor {
    Objects.requireNonNull(name, "model name is null");
    Objects.requireNonNull(format, "model format is null");
    inputShape = List.copyOf(Objects.requireNonNull(inputShape, "input_shape is null"));
    layers = List.copyOf(Objects.requireNonNull(layers, "layers is null"));
  }
}
