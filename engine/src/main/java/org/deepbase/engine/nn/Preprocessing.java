package org.deepbase.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.catalog.Preprocess;

/** Applies a descriptor's {@link Preprocess} to a batch, in native code. */
final class Preprocessing {
  private Preprocessing() {}

  static NDArray apply(ModelDescriptor model, NDArray batch) {
    Preprocess p = model.preprocess();
    if (p == null) {
      return batch;
    }
    NDArray x = p.scale() == null ? batch : batch.mul(p.scale());
    if (p.mean() != null) {
      x = x.sub(perChannel(model, batch, p.mean(), "mean"));
    }
    if (p.std() != null) {
      x = x.div(perChannel(model, batch, p.std(), "std"));
    }
    return x;
  }

  private static NDArray perChannel(
      ModelDescriptor model, NDArray batch, List<Double> values, String field) {
    int channels = model.inputShape().get(0);
    if (values.size() != channels) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "model '"
              + model.name()
              + "' preprocess."
              + field
              + " has "
              + values.size()
              + " values; input_shape "
              + model.inputShape()
              + " has "
              + channels
              + " channels");
    }
    float[] v = new float[channels];
    for (int c = 0; c < channels; c++) {
      v[c] = values.get(c).floatValue();
    }
    long[] dims = new long[model.inputShape().size() + 1];
    java.util.Arrays.fill(dims, 1);
    dims[1] = channels;
    return batch.getManager().create(v, new Shape(dims));
  }
}
