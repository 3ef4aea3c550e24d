package org.deepbase.queries.pacman;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 * The PacMan agent: a CNN (conv1, conv2, conv3, fc1, out) trained in Java by imitating the scripted
 * player on the states it visits itself (DAgger), saving one checkpoint per epoch.
 */
public final class Agent {
  private Agent() {}

  /**
   * Returns the agent's architecture; conv layers keep the 15 x 19 grid, and a global max pool
   * makes the move features translation invariant (a dense layer over the grid would need examples
   * of every PacMan position). Three 3x3 layers see 7x7 cells before the pool: the whole danger
   * zone (the ghost within {@link Policies#DANGER} steps) around PacMan, so no single layer has to
   * encode "ghost next to PacMan" by itself.
   */
  public static ModelDescriptor descriptor(String name) {
    return new ModelDescriptor(
        name,
        "djl",
        List.of(GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH),
        List.of(
            LayerSpec.conv2d("conv1", 16, 3),
            LayerSpec.conv2d("conv2", 32, 3),
            LayerSpec.conv2d("conv3", 32, 3),
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
    float[] inputs = readInputs(datasetDir, dataset);
    int[] labels = readLabels(datasetDir, dataset.recordCount());
    try (AgentTraining training = new AgentTraining(modelDir, name, settings)) {
      for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
        training.epoch(
            inputs, labels, labels.length, "epoch " + epoch + "/" + settings.epochs(), progress);
        training.save(epoch);
      }
    }
  }

  /**
   * DAgger's schedule: rounds of training, and between rounds games played by the learner (the
   * scripted player steps in with probability {@code beta}, halved each round) whose states the
   * scripted player labels and adds to the training set.
   */
  public record Dagger(int rounds, int epochsPerRound, int statesPerRound, double beta) {}

  /**
   * Trains by imitation on the states the learner itself visits (DAgger): starts from a dataset of
   * played states, then alternates training epochs with rounds of play. One checkpoint per epoch
   * ({@code rounds * epochsPerRound} in all).
   */
  public static void trainDagger(
      Path modelDir,
      String name,
      Path datasetDir,
      Settings settings,
      Dagger plan,
      Progress progress)
      throws IOException {
    DatasetDescriptor dataset =
        Json.read(datasetDir.resolve(DatasetDescriptor.FILE_NAME), DatasetDescriptor.class);
    int size = dataset.inputSize();
    int capacity = dataset.recordCount() + (plan.rounds() - 1) * plan.statesPerRound();
    float[] inputs = java.util.Arrays.copyOf(readInputs(datasetDir, dataset), capacity * size);
    int[] labels = java.util.Arrays.copyOf(readLabels(datasetDir, dataset.recordCount()), capacity);
    int n = dataset.recordCount();
    int epochs = plan.rounds() * plan.epochsPerRound();
    try (AgentTraining training = new AgentTraining(modelDir, name, settings)) {
      int epoch = 0;
      for (int round = 0; round < plan.rounds(); round++) {
        for (int e = 0; e < plan.epochsPerRound(); e++) {
          epoch++;
          training.epoch(
              inputs,
              labels,
              n,
              "DAgger round "
                  + (round + 1)
                  + "/"
                  + plan.rounds()
                  + ", epoch "
                  + epoch
                  + "/"
                  + epochs,
              progress);
          training.save(epoch);
        }
        if (round + 1 == plan.rounds()) {
          break;
        }
        double beta = plan.beta() * Math.pow(0.5, round);
        Player learner = training.player();
        Player scripted = Player.scripted();
        Player mixture =
            (s, rng) -> rng.nextDouble() < beta ? scripted.act(s, rng) : learner.act(s, rng);
        int added = 0;
        for (int game = 0; added < plan.statesPerRound(); game++) {
          Random rng = Episodes.game(settings.seed() * 1_000_003L + round, game);
          for (GameState s : Episodes.play(mixture, rng).states()) {
            if (added == plan.statesPerRound()) {
              break;
            }
            System.arraycopy(s.encode(), 0, inputs, n * size, size);
            labels[n++] = Policies.pacman(s).ordinal();
            added++;
          }
          progress.report(
              "play " + name, added, plan.statesPerRound(), "DAgger round " + (round + 1));
        }
      }
    }
  }

  /**
   * Games played after each deep Q-learning epoch by the greedy checkpoint, the same every time.
   */
  public static final int DQN_EVALUATION_GAMES = 30;

  /**
   * Deep Q-learning's schedule.
   *
   * @param epochs checkpoints written, one per epoch
   * @param stepsPerEpoch transitions (moves of all games together) per epoch
   * @param environments games played side by side; one update per tick, so each transition is
   *     sampled about {@code batchSize / environments} times
   * @param replayCapacity transitions kept for sampling
   * @param warmup transitions collected before the first update
   * @param targetSync updates between copies of the online network into the target network
   * @param gamma discount per move
   * @param epsilonEnd exploration left after the decay
   * @param exploreFraction share of all transitions over which epsilon decays linearly from 1
   */
  public record Dqn(
      int epochs,
      int stepsPerEpoch,
      int environments,
      int replayCapacity,
      int warmup,
      int targetSync,
      double gamma,
      double epsilonEnd,
      double exploreFraction) {}

  /**
   * One epoch of the learning curve.
   *
   * @param trainingReturn mean return of the epsilon-greedy games finished in the epoch
   * @param greedy the checkpoint's greedy play on the same fixed games every epoch
   */
  public record DqnEpoch(
      int epoch, double epsilon, double loss, double trainingReturn, Episodes.Score greedy) {}

  /**
   * Trains by deep Q-learning on the game's rewards (no scripted player involved), writing one
   * checkpoint per epoch; returns the learning curve.
   */
  public static List<DqnEpoch> trainDqn(
      Path modelDir, String name, Settings settings, Dqn plan, Progress progress)
      throws IOException {
    return DqnTraining.train(modelDir, name, settings, plan, progress);
  }

  /** Returns a saved checkpoint as a player (the move of highest score). */
  public static Player player(LoadedModel model) {
    return (state, rng) -> act(model, state.encode());
  }

  /** Returns the checkpoint's move for one encoded state ([6, 15, 19] flat). */
  public static Move act(LoadedModel model, float[] input) {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray x = manager.create(input, Architecture.inputShape(model.descriptor(), 1));
      NDArray[] layers = model.forward(x, model.descriptor().layers().size() - 1, false);
      return Move.values()[(int) layers[layers.length - 1].argMax(1).getLong(0)];
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
