package org.deepbase.engine.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.catalog.ModelDescriptor;

/**
 * Builds the DJL block of a {@link ModelDescriptor}: one child {@link SequentialBlock} per named
 * layer, so that child i's output is layer i's behavior.
 */
public final class Architecture {
  private Architecture() {}

  /** Creates an uninitialised block whose children are the descriptor's layers, in order. */
  public static SequentialBlock build(ModelDescriptor model) {
    Nnpack.turnOffWhereUnavailable(); // its blocks run one-record convolutions (a player's moves)
    SequentialBlock net = new SequentialBlock();
    for (LayerSpec layer : model.layers()) {
      net.add(layer(model, layer));
    }
    return net;
  }

  /** Returns the input shape of a batch of {@code batch} records. */
  public static Shape inputShape(ModelDescriptor model, int batch) {
    long[] dims = new long[model.inputShape().size() + 1];
    dims[0] = batch;
    for (int i = 0; i < model.inputShape().size(); i++) {
      dims[i + 1] = model.inputShape().get(i);
    }
    return new Shape(dims);
  }

  /** Computes every layer's per-record output shape by initialising a throw-away block. */
  public static List<LayerInfo> describeLayers(ModelDescriptor model) {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      SequentialBlock net = build(model);
      Shape shape = inputShape(model, 1);
      net.initialize(manager, DataType.FLOAT32, shape);
      List<LayerInfo> layers = new ArrayList<>();
      Shape[] shapes = {shape};
      List<Block> children = net.getChildren().values();
      for (int i = 0; i < children.size(); i++) {
        shapes = children.get(i).getOutputShapes(shapes);
        LayerSpec spec = model.layers().get(i);
        List<Integer> dims = new ArrayList<>();
        for (int d = 1; d < shapes[0].dimension(); d++) {
          dims.add((int) shapes[0].get(d));
        }
        layers.add(new LayerInfo(model.name(), spec.name(), i, spec.kind(), dims));
      }
      return layers;
    }
  }

  private static Block layer(ModelDescriptor model, LayerSpec spec) {
    SequentialBlock block = new SequentialBlock();
    switch (String.valueOf(spec.kind())) {
      case "conv2d" ->
          block.add(
              Conv2d.builder()
                  .setKernelShape(
                      new Shape(required(model, spec, spec.kernel(), "kernel"), spec.kernel()))
                  .optPadding(new Shape(pad(spec), pad(spec)))
                  .setFilters(required(model, spec, spec.size(), "size"))
                  .build());
      case "maxpool" -> {
        int k = required(model, spec, spec.kernel(), "kernel");
        block.add(Pool.maxPool2dBlock(new Shape(k, k), new Shape(k, k)));
      }
      case "globalmaxpool" -> block.add(Pool.globalMaxPool2dBlock());
      case "linear" ->
          block
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(required(model, spec, spec.size(), "size")).build());
      default ->
          throw new DeepBaseException(
              ErrorCode.BAD_WORKSPACE,
              "model '"
                  + model.name()
                  + "' layer '"
                  + spec.name()
                  + "' has unknown kind '"
                  + spec.kind()
                  + "' (known: conv2d, maxpool, globalmaxpool, linear)");
    }
    if ("relu".equals(spec.activation())) {
      block.add(Activation.reluBlock());
    } else if (spec.activation() != null) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "model '"
              + model.name()
              + "' layer '"
              + spec.name()
              + "' has unknown activation '"
              + spec.activation()
              + "' (known: relu)");
    }
    return block;
  }

  private static int pad(LayerSpec spec) {
    return spec.padding() == null ? 0 : spec.padding();
  }

  private static int required(ModelDescriptor model, LayerSpec spec, Integer value, String field) {
    if (value == null) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "model '"
              + model.name()
              + "' layer '"
              + spec.name()
              + "' of kind "
              + spec.kind()
              + " needs '"
              + field
              + "'");
    }
    return value;
  }
}
