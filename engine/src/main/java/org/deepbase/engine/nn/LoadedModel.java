package org.deepbase.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * Input bytes (as float32) one forward call takes at most: see {@link #forwardPiece}. A CNN's
   * largest activation is typically its first convolution's output, about 5x its input (ResNet: 64
   * channels at half the resolution of 3); 5 MiB of input keeps it under glibc's largest mmap
   * threshold (32 MiB), so the allocator reuses that memory instead of mapping and faulting in
   * fresh pages for every batch.
   */
  long FORWARD_INPUT_BYTES = 5L << 20;

  /**
   * Returns how many records one forward call takes: a batch of ResNet-18 inputs at 224 px (602 KB
   * each) runs in pieces of 8; small inputs (PacMan maps, token ids) run whole. Measured on
   * ResNet-18, N = 2,000, 2 cores: 32-record calls 105 s, pieces of 8 records 32 s (with the
   * launcher's malloc settings; docs/design-notes.md).
   */
  static int forwardPiece(ModelDescriptor model) {
    long elements = Architecture.inputShape(model, 1).size();
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, FORWARD_INPUT_BYTES / (4 * elements)));
  }

  /**
   * Runs {@link #forward} (no gradient) over a batch in pieces of at most {@code piece} records and
   * joins the outputs of the layers {@code wanted} along the records (the others are left null:
   * joining them would copy outputs nobody reads): records are independent (inference), so these
   * are the outputs of one forward pass over the batch, while the intermediates of only one piece
   * are alive at a time.
   */
  default NDArray[] forward(
      NDArray input, int deepest, int piece, java.util.function.IntPredicate wanted) {
    long records = input.getShape().get(0);
    if (records <= piece) {
      return forward(input, deepest, false);
    }
    NDManager owner = input.getManager();
    List<NDManager> pieces = new ArrayList<>();
    try {
      List<NDArray[]> parts = new ArrayList<>();
      for (long from = 0; from < records; from += piece) {
        NDManager manager = owner.newSubManager();
        pieces.add(manager);
        NDArray part = input.get(new NDIndex("{}:{}", from, Math.min(records, from + piece)));
        part.attach(manager);
        parts.add(forward(part, deepest, false));
      }
      NDArray[] taps = new NDArray[deepest + 1];
      for (int i = 0; i <= deepest; i++) {
        if (!wanted.test(i) || parts.get(0)[i] == null) {
          continue;
        }
        NDList layer = new NDList();
        for (NDArray[] part : parts) {
          layer.add(part[i]);
        }
        taps[i] = NDArrays.concat(layer, 0);
        taps[i].attach(owner);
      }
      return taps;
    } finally {
      pieces.forEach(NDManager::close);
    }
  }

  /** Returns how many layers the last {@link #forward} computed (for instrumentation). */
  int layersComputed(int deepest);

  @Override
  void close();
}
