package org.deepbase.queries.pacman;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.nn.Architecture;

/**
 * Writes an agent whose conv1 weights are set by hand: {@link #GHOST_UNIT} copies the ghost channel
 * and {@link #WALL_UNIT} the wall channel; every other conv1 unit mixes all channels with seeded
 * random weights. The known answer ("unit 3 sees ghosts") checks the whole pipeline independently
 * of training luck.
 */
public final class PlantedAgent {
  public static final int GHOST_UNIT = 3;
  public static final int WALL_UNIT = 7;

  private PlantedAgent() {}

  /**
   * Creates a small verification workspace: a seeded {@code pacman_test} dataset and the planted
   * agent under the given model name.
   */
  public static org.deepbase.engine.workspace.Workspace workspace(
      Path dir, String model, long datasetSeed, int records) throws IOException {
    org.deepbase.engine.workspace.Workspace workspace =
        new org.deepbase.engine.workspace.Workspace(dir);
    DatasetGenerator.write(
        workspace.datasetDir(PacmanWorkspace.TEST), PacmanWorkspace.TEST, datasetSeed, records);
    write(workspace.modelDir(model), model, 5);
    return workspace;
  }

  /** Writes model.json and checkpoint 1 of the planted agent into {@code modelDir}. */
  public static ModelDescriptor write(Path modelDir, String name, long seed) throws IOException {
    ModelDescriptor descriptor =
        new ModelDescriptor(
            name, "djl", Agent.descriptor(name).inputShape(), Agent.descriptor(name).layers());
    save(modelDir, descriptor, net -> plant(net, seed));
    return descriptor;
  }

  /**
   * Writes model.json and checkpoint 1 of a model of these layers over the agent's input, with
   * DJL's random initial weights: a pooled layer lies on a coarser grid than the maps, so its
   * values are resized to the symbols on demand.
   */
  public static ModelDescriptor write(Path modelDir, String name, List<LayerSpec> layers)
      throws IOException {
    ModelDescriptor descriptor =
        new ModelDescriptor(name, "djl", Agent.descriptor(name).inputShape(), layers);
    save(modelDir, descriptor, net -> {});
    return descriptor;
  }

  private static void save(Path modelDir, ModelDescriptor descriptor, Consumer<Block> weights)
      throws IOException {
    String name = descriptor.name();
    Files.createDirectories(modelDir);
    Json.write(modelDir.resolve(ModelDescriptor.FILE_NAME), descriptor);
    try (NDManager manager = NDManager.newBaseManager("PyTorch");
        Model model = Model.newInstance(name, "PyTorch")) {
      SequentialBlock net = Architecture.build(descriptor);
      net.initialize(manager, DataType.FLOAT32, Architecture.inputShape(descriptor, 1));
      weights.accept(net);
      model.setBlock(net);
      model.setProperty("Epoch", "1");
      model.save(modelDir, name);
    }
  }

  /** Sets conv1's weights: the ghost and wall units copy their channels, the rest are seeded. */
  private static void plant(Block net, long seed) {
    Block conv1 = net.getChildren().get(0).getValue().getChildren().get(0).getValue();
    if (!(conv1 instanceof Conv2d)) {
      throw new IllegalStateException("conv1 is not a convolution: " + conv1);
    }
    int units = 16;
    int channels = GameState.CHANNELS;
    float[] weights = new float[units * channels * 9];
    Random rng = new Random(seed);
    for (int u = 0; u < units; u++) {
      for (int c = 0; c < channels; c++) {
        for (int k = 0; k < 9; k++) {
          int at = (u * channels + c) * 9 + k;
          if (u == GHOST_UNIT) {
            weights[at] = c == GameState.GHOST && k == 4 ? 1f : 0f;
          } else if (u == WALL_UNIT) {
            weights[at] = c == GameState.WALL && k == 4 ? 1f : 0f;
          } else {
            weights[at] = (float) (rng.nextGaussian() * 0.5);
          }
        }
      }
    }
    conv1.getParameters().get("weight").getArray().set(weights);
    conv1.getParameters().get("bias").getArray().set(new float[units]);
  }
}
