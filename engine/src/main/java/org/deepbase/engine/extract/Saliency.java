package org.deepbase.engine.extract;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.ModelDescriptor;

/**
 * Turns an input gradient [B, ...input_shape] into one saliency value per input symbol [B, S]:
 * |gradient|, maximised over the input's channel axis. The symbols are the dataset's: an image
 * input [C, H, W] has channels first, a sequence input [T, D] features last.
 */
final class Saliency {
  private Saliency() {}

  /**
   * Returns the batch axis to maximise over (1 or the last), or -1 when the input already has one
   * value per symbol; fails when the input shape does not contain the symbol shape.
   */
  static int channelAxis(ModelDescriptor model, List<Integer> symbols) {
    if ("int64".equals(model.inputDtype())) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "model '"
              + model.name()
              + "' takes int64 inputs (token ids): they have no gradient; inspect activations instead");
    }
    List<Integer> input = model.inputShape();
    if (input.equals(symbols)) {
      return -1;
    }
    int n = input.size();
    if (n == symbols.size() + 1 && input.subList(1, n).equals(symbols)) {
      return 1;
    }
    if (n == symbols.size() + 1 && input.subList(0, n - 1).equals(symbols)) {
      return n;
    }
    throw new DeepBaseException(
        ErrorCode.SHAPE_MISMATCH,
        "gradient behaviors are per input symbol, but model '"
            + model.name()
            + "' input shape "
            + input
            + " is neither the symbol shape "
            + symbols
            + " nor [C, ...symbols] nor [...symbols, D]");
  }

  static NDArray reduce(ModelDescriptor model, List<Integer> symbols, NDArray gradient) {
    int axis = channelAxis(model, symbols);
    NDArray magnitude = gradient.abs();
    return axis < 0 ? magnitude : magnitude.max(new int[] {axis});
  }
}
