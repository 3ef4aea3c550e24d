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
    return joined(forwardInPieces(input, deepest, piece, wanted), i -> true);
  }

  /**
   * Like {@link #forward(NDArray, int, int, IntPredicate)}, but leaves each wanted layer's outputs
   * in its pieces, in record order ({@code [layer][piece]}, each [records of the piece, units,
   * ...symbols]; null for the layers not wanted when the batch took more than one piece): a
   * consumer that copies them anyway reads them from there instead of from a joined copy. They
   * belong to the input's manager.
   */
  default NDArray[][] forwardInPieces(
      NDArray input, int deepest, int piece, java.util.function.IntPredicate wanted) {
    long records = input.getShape().get(0);
    NDArray[][] out = new NDArray[deepest + 1][];
    if (records <= piece) {
      NDArray[] taps = forward(input, deepest, false);
      for (int i = 0; i <= deepest; i++) {
        out[i] = taps[i] == null ? null : new NDArray[] {taps[i]};
      }
      return out;
    }
    NDManager owner = input.getManager();
    int count = (int) ((records + piece - 1) / piece);
    List<NDManager> managers = new ArrayList<>();
    try {
      for (int p = 0; p < count; p++) {
        long from = (long) p * piece;
        NDManager manager = owner.newSubManager();
        managers.add(manager);
        NDArray part = input.get(new NDIndex("{}:{}", from, Math.min(records, from + piece)));
        part.attach(manager);
        NDArray[] taps = forward(part, deepest, false);
        for (int i = 0; i <= deepest; i++) {
          if (!wanted.test(i) || (p == 0 && taps[i] == null) || (p > 0 && out[i] == null)) {
            continue;
          }
          if (out[i] == null) {
            out[i] = new NDArray[count];
          }
          // Kept past the piece; every other output of it goes with its manager.
          taps[i].attach(owner);
          out[i][p] = taps[i];
        }
      }
      return out;
    } finally {
      managers.forEach(NDManager::close);
    }
  }

  /**
   * Joins the pieces ({@link #forwardInPieces}) of the layers {@code join} along the records (a
   * layer in one piece is that piece) and frees the pieces joined, unless a layer left in pieces
   * holds them too; returns the joined layers by index, null for the others.
   */
  static NDArray[] joined(NDArray[][] pieces, java.util.function.IntPredicate join) {
    NDArray[] joined = new NDArray[pieces.length];
    java.util.Set<NDArray> spent =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    java.util.Set<NDArray> kept =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int i = 0; i < pieces.length; i++) {
      if (pieces[i] == null) {
        continue;
      }
      if (!join.test(i)) {
        kept.addAll(java.util.Arrays.asList(pieces[i]));
      } else if (pieces[i].length == 1) {
        joined[i] = pieces[i][0];
        kept.add(pieces[i][0]);
      } else {
        joined[i] = NDArrays.concat(new NDList(pieces[i]), 0);
        joined[i].attach(pieces[i][0].getManager());
        spent.addAll(java.util.Arrays.asList(pieces[i]));
      }
    }
    // Only the joined copies are read from here: the pieces' memory goes back now.
    spent.removeAll(kept);
    spent.forEach(NDArray::close);
    return joined;
  }

  /** Returns how many layers the last {@link #forward} computed (for instrumentation). */
  int layersComputed(int deepest);

  @Override
  void close();
}
