package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Describes one named layer of a DJL sequential model, as written in {@code model.json}.
 *
 * <p>A layer is the unit of tapping: its output (after its activation) is what {@code behaviors}
 * reports. Kinds: {@code conv2d} (size = filters, square kernel, padding), {@code maxpool} (kernel
 * = stride), {@code globalmaxpool} (max over the grid, one value per channel), {@code linear} (size
 * = output features; flattens its input first).
 *
 * <p>For a TorchScript model only {@code name} is needed; {@code kind} may say how to read a
 * per-record output of rank 2: {@code sequence} ([T, D], the default) or {@code conv1d} ([C, L],
 * channels first). Other kinds are discovered from the output's rank.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayerSpec(
    @JsonProperty("name") String name,
    @JsonProperty("kind") String kind,
    @JsonProperty("size") Integer size,
    @JsonProperty("kernel") Integer kernel,
    @JsonProperty("padding") Integer padding,
    @JsonProperty("activation") String activation) {

  public LayerSpec {
    Objects.requireNonNull(name, "layer name is null");
  }

  /** Creates a convolution with ReLU that keeps the grid size (padding = kernel / 2). */
  public static LayerSpec conv2d(String name, int filters, int kernel) {
    return new LayerSpec(name, "conv2d", filters, kernel, kernel / 2, "relu");
  }

  /** Creates a fully connected layer, optionally followed by ReLU. */
  public static LayerSpec linear(String name, int features, boolean relu) {
    return new LayerSpec(name, "linear", features, null, null, relu ? "relu" : null);
  }

  /** Creates a global max pooling layer: [C, H, W] to [C]. */
  public static LayerSpec globalMaxPool(String name) {
    return new LayerSpec(name, "globalmaxpool", null, null, null, null);
  }

  /** Creates a max pooling layer with stride equal to its kernel. */
  public static LayerSpec maxPool(String name, int kernel) {
    return new LayerSpec(name, "maxpool", null, kernel, null, null);
  }
}
