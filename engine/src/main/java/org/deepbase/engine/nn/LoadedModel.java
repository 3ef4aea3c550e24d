package org.deepbase.engine.nn;

import ai.djl.ndarray.NDArray;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.ModelDescriptor;

/**
 * One checkpoint loaded into the deep learning engine, whatever its format (DJL blocks or
 * TorchScript): it runs a batch forward and hands back the outputs of its layers. Owns native
 * memory until {@link #close()}.
 */
public interface LoadedModel extends AutoCloseable {
  /** Loads a checkpoint in the format its descriptor names. */
  static LoadedModel load(ModelDescriptor descriptor, Checkpoint checkpoint) {
    return descriptor.isTorchScript()
        ? TorchScriptModel.load(descriptor, checkpoint)
        : DjlModel.load(descriptor, checkpoint);
  }

  ModelDescriptor descriptor();

  Checkpoint checkpoint();

  /**
   * Runs one forward pass over a batch [B, ...input_shape] and returns the outputs of layers 0 to
   * {@code deepest} (by layer index), each unit-major per record ([B, units, ...symbols]). Arrays
   * belong to the input's manager. Formats that can stop early compute nothing past {@code
   * deepest}.
   *
   * @param withGradient record the autograd graph (the caller has enabled grad mode and marked the
   *     input as requiring a gradient)
   */
  NDArray[] forward(NDArray input, int deepest, boolean withGradient);

  /** Returns how many layers the last {@link #forward} computed (for instrumentation). */
  int layersComputed(int deepest);

  @Override
  void close();
}
