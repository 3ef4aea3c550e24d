package org.deepbase.queries.pacman;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.LoadedModel;

/**
 * The PacMan agent: a CNN (conv1, conv2, fc1, out) trained in Java by imitating the scripted
 * policy, saving one checkpoint per epoch.
 */
public final class Agent {
  private Agent() {}

  /**
   * Returns the agent's architecture; conv layers keep the 15 x 19 grid, and a global max pool
   * makes the move features translation invariant (a dense layer over the grid would need examples
   * of every PacMan position).
   */
  public static ModelDescriptor descriptor(String name) {
    return new ModelDescriptor(
        name,
        "djl",
        List.of(GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH),
        List.of(
            LayerSpec.conv2d("conv1", 16, 3),
            LayerSpec.conv2d("conv2", 32, 3),
            LayerSpec.globalMaxPool("pool"),
            LayerSpec.linear("fc1", 64, true),
            LayerSpec.linear("out", Move.values().length, false)));
  }

  /** Training settings. */
  public record Settings(int epochs, int batchSize, float learningRate, int seed) {}

  /**
   * Trains on a dataset directory and writes model.json plus {@code <name>-NNNN.params} for each
   * epoch into {@code modelDir}.
   */
  public static void train(
      Path modelDir, String name, Path datasetDir, Settings settings, Progress progress)
      throws IOException {
    DatasetDescriptor dataset =
        Json.read(datasetDir.resolve(DatasetDescriptor.FILE_NAME), DatasetDescriptor.class);
    ModelDescriptor descriptor = descriptor(name);
    Files.createDirectories(modelDir);
    Json.write(modelDir.resolve(ModelDescriptor.FILE_NAME), descriptor);
    float[] inputs = readInputs(datasetDir, dataset);
    int[] labels = readLabels(datasetDir, dataset.recordCount());
    int size = dataset.inputSize();
    Engine.getEngine("PyTorch").setRandomSeed(settings.seed());
    Random shuffle = new Random(settings.seed());
    try (Model model = Model.newInstance(name, "PyTorch")) {
      model.setBlock(Architecture.build(descriptor));
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(
                  Optimizer.adam()
                      .optLearningRateTracker(Tracker.fixed(settings.learningRate()))
                      .build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(Architecture.inputShape(descriptor, settings.batchSize()));
        int[] order = new int[dataset.recordCount()];
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
          shuffle(order, shuffle);
          double lossSum = 0;
          int batches = 0;
          for (int start = 0;
              start + settings.batchSize() <= order.length;
              start += settings.batchSize()) {
            float[] x = new float[settings.batchSize() * size];
            float[] y = new float[settings.batchSize()];
            for (int b = 0; b < settings.batchSize(); b++) {
              int record = order[start + b];
              System.arraycopy(inputs, record * size, x, b * size, size);
              y[b] = labels[record];
            }
            try (NDManager batch = trainer.getManager().newSubManager();
                GradientCollector collector = trainer.newGradientCollector()) {
              NDArray xs =
                  batch.create(x, Architecture.inputShape(descriptor, settings.batchSize()));
              NDArray ys = batch.create(y, new Shape(settings.batchSize()));
              NDList predictions = trainer.forward(new NDList(xs));
              NDArray loss = trainer.getLoss().evaluate(new NDList(ys), predictions);
              collector.backward(loss);
              lossSum += loss.getFloat();
              batches++;
              progress.report(
                  "train " + name,
                  (long) (epoch - 1) * order.length + start + settings.batchSize(),
                  (long) settings.epochs() * order.length,
                  String.format(
                      java.util.Locale.ROOT,
                      "epoch %d/%d, loss %.3f",
                      epoch,
                      settings.epochs(),
                      lossSum / batches));
            }
            trainer.step();
          }
          model.setProperty("Epoch", String.valueOf(epoch));
          model.save(modelDir, name);
        }
      }
    }
  }

  /**
   * Writes an untrained agent (DJL's random initialisation, seeded) as checkpoint 0: the control
   * model of probing studies.
   */
  public static void writeUntrained(Path modelDir, String name, int seed) throws IOException {
    ModelDescriptor descriptor = descriptor(name);
    Files.createDirectories(modelDir);
    Json.write(modelDir.resolve(ModelDescriptor.FILE_NAME), descriptor);
    Engine.getEngine("PyTorch").setRandomSeed(seed);
    try (Model model = Model.newInstance(name, "PyTorch");
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      var block = Architecture.build(descriptor);
      block.initialize(
          manager, ai.djl.ndarray.types.DataType.FLOAT32, Architecture.inputShape(descriptor, 1));
      model.setBlock(block);
      model.setProperty("Epoch", "0");
      model.save(modelDir, name);
    }
  }

  /** Returns the fraction of a dataset's records where the checkpoint picks the scripted move. */
  public static double accuracy(LoadedModel model, Path datasetDir) throws IOException {
    DatasetDescriptor dataset =
        Json.read(datasetDir.resolve(DatasetDescriptor.FILE_NAME), DatasetDescriptor.class);
    float[] inputs = readInputs(datasetDir, dataset);
    int[] labels = readLabels(datasetDir, dataset.recordCount());
    int correct = 0;
    int batchSize = 256;
    int size = dataset.inputSize();
    for (int start = 0; start < labels.length; start += batchSize) {
      int n = Math.min(batchSize, labels.length - start);
      try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
        NDArray x =
            manager.create(
                FloatBuffer.wrap(inputs, start * size, n * size),
                Architecture.inputShape(model.descriptor(), n));
        NDArray[] layers = model.forward(x, model.descriptor().layers().size() - 1, false);
        x = layers[layers.length - 1];
        long[] predicted = x.argMax(1).toLongArray();
        for (int i = 0; i < n; i++) {
          correct += predicted[i] == labels[start + i] ? 1 : 0;
        }
      }
    }
    return (double) correct / labels.length;
  }

  /** Returns the share of the most frequent scripted move: the accuracy of always guessing it. */
  public static double majorityBaseline(Path datasetDir, int n) throws IOException {
    int[] counts = new int[Move.values().length];
    for (int label : readLabels(datasetDir, n)) {
      counts[label]++;
    }
    return (double) java.util.Arrays.stream(counts).max().orElse(0) / n;
  }

  private static void shuffle(int[] order, Random rng) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  private static float[] readInputs(Path dir, DatasetDescriptor dataset) throws IOException {
    var array = org.deepbase.engine.data.Npy.map(dir.resolve(DatasetDescriptor.INPUTS));
    float[] values = new float[dataset.recordCount() * dataset.inputSize()];
    array.data().asFloatBuffer().get(values);
    return values;
  }

  private static int[] readLabels(Path dir, int n) throws IOException {
    List<Integer> labels = new ArrayList<>(n);
    try (BufferedReader in = Files.newBufferedReader(dir.resolve(DatasetDescriptor.RECORDS))) {
      String[] header = in.readLine().split(",");
      int column = java.util.Arrays.asList(header).indexOf("move");
      String line;
      while ((line = in.readLine()) != null) {
        labels.add(Integer.parseInt(line.split(",")[column]));
      }
    }
    return labels.stream().mapToInt(Integer::intValue).toArray();
  }
}
