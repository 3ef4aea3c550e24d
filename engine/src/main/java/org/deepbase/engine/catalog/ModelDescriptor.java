package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * Describes a model (one training run) stored in {@code models/<name>/model.json}.
 *
 * @param name the model's SQL name
 * @param format {@code djl} for parameters saved by DJL over {@link #layers()} (checkpoints {@code
 *     <name>-NNNN.params}); {@code torchscript} for TorchScript files ({@code <name>-NNNN.pt})
 *     whose forward returns a dict of layer outputs
 * @param inputShape shape of one record, without the batch axis, e.g. [6, 15, 19]
 * @param layers the layers, in forward order (for TorchScript: the dict keys to expose, kinds
 *     optional; null exposes every key but {@code output})
 * @param inputDtype {@code float32} (default) or {@code int64} (token ids), TorchScript only
 * @param preprocess optional input normalisation applied before the model
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelDescriptor(
    @JsonProperty("name") String name,
    @JsonProperty("format") String format,
    @JsonProperty("input_shape") List<Integer> inputShape,
    @JsonProperty("layers") List<LayerSpec> layers,
    @JsonProperty("input_dtype") String inputDtype,
    @JsonProperty("preprocess") Preprocess preprocess) {

  public static final String FILE_NAME = "model.json";
  public static final String DJL = "djl";
  public static final String TORCHSCRIPT = "torchscript";

  public ModelDescriptor {
    Objects.requireNonNull(name, "model name is null");
    Objects.requireNonNull(format, "model format is null");
    inputShape = List.copyOf(Objects.requireNonNull(inputShape, "input_shape is null"));
    if (layers == null && !TORCHSCRIPT.equals(format)) {
      throw new IllegalArgumentException("layers is null");
    }
    layers = layers == null ? List.of() : List.copyOf(layers);
    inputDtype = inputDtype == null ? "float32" : inputDtype;
  }

  /** Creates a DJL model descriptor. */
  public ModelDescriptor(
      String name, String format, List<Integer> inputShape, List<LayerSpec> layers) {
    this(name, format, inputShape, layers, null, null);
  }

  /** Returns whether checkpoints are TorchScript files. */
  public boolean isTorchScript() {
    return TORCHSCRIPT.equals(format);
  }

  /** Returns the file extension of this model's checkpoints. */
  public String checkpointExtension() {
    return isTorchScript() ? "pt" : "params";
  }
}
