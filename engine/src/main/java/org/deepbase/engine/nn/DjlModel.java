package org.deepbase.engine.nn;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.ModelDescriptor;

/**
 * Owns one checkpoint of a DJL-block model: the {@link Model} (and so its NDManager holding the
 * parameters) lives until {@link #close()}. Runs its layers child by child, so a forward stops at
 * the deepest layer asked for.
 */
public final class DjlModel implements LoadedModel {
  private final ModelDescriptor descriptor;
  private final Checkpoint checkpoint;
  private final Model model;
  private final SequentialBlock block;
  private final ParameterStore parameters;

  private DjlModel(
      ModelDescriptor descriptor, Checkpoint checkpoint, Model model, SequentialBlock block) {
    this.descriptor = descriptor;
    this.checkpoint = checkpoint;
    this.model = model;
    this.block = block;
    this.parameters = new ParameterStore(model.getNDManager(), false);
  }

  /** Loads a checkpoint's parameters into the descriptor's architecture. */
  public static DjlModel load(ModelDescriptor descriptor, Checkpoint checkpoint) {
    Model model = Model.newInstance(descriptor.name(), "PyTorch");
    try {
      SequentialBlock block = Architecture.build(descriptor);
      model.setBlock(block);
      model.setDataType(DataType.FLOAT32);
      model.load(
          checkpoint.path().getParent(),
          descriptor.name(),
          Map.of("epoch", String.valueOf(checkpoint.epoch())));
      return new DjlModel(descriptor, checkpoint, model, block);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new DeepBaseException(
          ErrorCode.MODEL_LOAD_FAILED,
          "cannot load model '"
              + descriptor.name()
              + "' checkpoint "
              + checkpoint.epoch()
              + " from "
              + checkpoint.path()
              + ": "
              // A file cut short ends DJL's reader with a bare EOFException.
              + (e.getMessage() == null
                  ? "the file is damaged or truncated (" + e.getClass().getSimpleName() + ")"
                  : e.getMessage()),
          e);
    }
  }

  @Override
  public NDArray[] forward(NDArray input, int deepest, boolean withGradient) {
    NDArray[] taps = new NDArray[deepest + 1];
    NDArray x = input;
    List<Block> layers = layers();
    for (int i = 0; i <= deepest; i++) {
      x = layers.get(i).forward(parameters, new NDList(x), false).singletonOrThrow();
      taps[i] = x;
    }
    return taps;
  }

  @Override
  public int layersComputed(int deepest) {
    return deepest + 1;
  }

  @Override
  public ModelDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** Returns the per-layer child blocks, in forward order. */
  public List<Block> layers() {
    return block.getChildren().values();
  }

  public ParameterStore parameters() {
    return parameters;
  }

  @Override
  public void close() {
    model.close();
  }
}
