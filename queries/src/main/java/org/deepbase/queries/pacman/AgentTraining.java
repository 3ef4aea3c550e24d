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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.nn.Architecture;

/**
 * One agent being trained (DJL model and trainer, seeded): epochs of imitation over labelled
 * states, a checkpoint per epoch, and the current network as a {@link Player} so that it can play
 * between epochs (DAgger).
 */
final class AgentTraining implements AutoCloseable {
  private final Path modelDir;
  private final String name;
  private final Agent.Settings settings;
  private final ModelDescriptor descriptor;
  private final Random shuffle;
  private final Model model;
  private final Trainer trainer;

  /** An agent trained by imitation: softmax cross-entropy against the scripted move. */
  AgentTraining(Path modelDir, String name, Agent.Settings settings) throws IOException {
    this(modelDir, name, settings, Loss.softmaxCrossEntropyLoss());
  }

  AgentTraining(Path modelDir, String name, Agent.Settings settings, Loss loss) throws IOException {
    this.modelDir = modelDir;
    this.name = name;
    this.settings = settings;
    this.descriptor = Agent.descriptor(name);
    this.shuffle = new Random(settings.seed());
    Files.createDirectories(modelDir);
    Json.write(modelDir.resolve(ModelDescriptor.FILE_NAME), descriptor);
    Engine.getEngine("PyTorch").setRandomSeed(settings.seed());
    this.model = Model.newInstance(name, "PyTorch");
    model.setBlock(Architecture.build(descriptor));
    this.trainer =
        model.newTrainer(
            new DefaultTrainingConfig(loss)
                .optOptimizer(
                    Optimizer.adam()
                        .optLearningRateTracker(Tracker.fixed(settings.learningRate()))
                        .build()));
    trainer.initialize(Architecture.inputShape(descriptor, settings.batchSize()));
  }

  /**
   * Runs one epoch over the first {@code n} states (inputs [n, 6, 15, 19] flat, labels [n]);
   * returns the mean loss.
   */
  double epoch(float[] inputs, int[] labels, int n, String stage, Progress progress) {
    int size = inputs.length / Math.max(1, labels.length);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = shuffle.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int batchSize = settings.batchSize();
    double lossSum = 0;
    int batches = 0;
    for (int start = 0; start + batchSize <= n; start += batchSize) {
      float[] x = new float[batchSize * size];
      float[] y = new float[batchSize];
      for (int b = 0; b < batchSize; b++) {
        System.arraycopy(inputs, order[start + b] * size, x, b * size, size);
        y[b] = labels[order[start + b]];
      }
      try (NDManager batch = trainer.getManager().newSubManager();
          GradientCollector collector = trainer.newGradientCollector()) {
        NDArray xs = batch.create(x, Architecture.inputShape(descriptor, batchSize));
        NDArray ys = batch.create(y, new Shape(batchSize));
        NDArray loss = trainer.getLoss().evaluate(new NDList(ys), trainer.forward(new NDList(xs)));
        collector.backward(loss);
        lossSum += loss.getFloat();
        batches++;
      }
      trainer.step();
      progress.report(
          "train " + name,
          start + batchSize,
          n,
          String.format(java.util.Locale.ROOT, "%s, loss %.3f", stage, lossSum / batches));
    }
    return batches == 0 ? Double.NaN : lossSum / batches;
  }

  /** Saves the current weights as checkpoint {@code epoch}. */
  void save(int epoch) throws IOException {
    model.setProperty("Epoch", String.valueOf(epoch));
    model.save(modelDir, name);
  }

  /** The network as it is now, choosing the move of highest score. */
  Player player() {
    return (state, rng) -> greedy(new GameState[] {state})[0];
  }

  /** Returns the move of highest score in each state, in one forward pass. */
  Move[] greedy(GameState[] states) {
    int size = GameState.CHANNELS * Maze.CELLS;
    float[] x = new float[states.length * size];
    for (int i = 0; i < states.length; i++) {
      System.arraycopy(states[i].encode(), 0, x, i * size, size);
    }
    try (NDManager manager = trainer.getManager().newSubManager()) {
      NDArray scores =
          trainer
              .evaluate(
                  new NDList(manager.create(x, Architecture.inputShape(descriptor, states.length))))
              .singletonOrThrow();
      long[] best = scores.argMax(1).toLongArray();
      Move[] moves = new Move[states.length];
      for (int i = 0; i < moves.length; i++) {
        moves[i] = Move.values()[(int) best[i]];
      }
      return moves;
    }
  }

  Trainer trainer() {
    return trainer;
  }

  ModelDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public void close() {
    try (model;
        trainer) {
      // both closed, the trainer first
    }
  }
}
