package org.deepbase.queries.pacman;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deepbase.engine.Progress;
import org.deepbase.engine.nn.Architecture;

/**
 * Deep Q-learning of the agent (Mnih et al. 2015, with van Hasselt et al.'s double-Q target):
 * several games played side by side with epsilon-greedy moves, transitions kept in a replay buffer,
 * one Huber-loss update per tick on a sampled batch, targets from a network synchronised every
 * {@link Agent.Dqn#targetSync()} updates. One checkpoint per epoch of {@link
 * Agent.Dqn#stepsPerEpoch()} transitions, each followed by a greedy evaluation on fixed games (the
 * learning curve).
 *
 * <p>Why not DJL's {@code QAgent}: it has no target network and keeps every observation as native
 * arrays; the buffer here keeps game states (a few hundred bytes each) and encodes a batch when it
 * is sampled.
 */
final class DqnTraining {
  /** Rewards are scaled so that a dot is 0.1 and being caught -5: Q-values stay near 1. */
  static final float REWARD_SCALE = 0.1f;

  private final AgentTraining training;
  private final Agent.Settings settings;
  private final Agent.Dqn plan;
  private final Random rng;
  private final Replay replay;

  private DqnTraining(AgentTraining training, Agent.Settings settings, Agent.Dqn plan) {
    this.training = training;
    this.settings = settings;
    this.plan = plan;
    this.rng = new Random(settings.seed());
    this.replay = new Replay(plan.replayCapacity());
  }

  /** Trains and returns one row of the learning curve per epoch. */
  static List<Agent.DqnEpoch> train(
      Path modelDir, String name, Agent.Settings settings, Agent.Dqn plan, Progress progress)
      throws IOException {
    try (AgentTraining training = new AgentTraining(modelDir, name, settings, new HuberLoss());
        NDManager targetManager = NDManager.newBaseManager("PyTorch")) {
      Block target = Architecture.build(training.descriptor());
      target.initialize(
          targetManager, DataType.FLOAT32, Architecture.inputShape(training.descriptor(), 1));
      return new DqnTraining(training, settings, plan)
          .run(target, new ParameterStore(targetManager, false), progress);
    }
  }

  private List<Agent.DqnEpoch> run(Block target, ParameterStore targetStore, Progress progress)
      throws IOException {
    int envs = plan.environments();
    GameState[] states = new GameState[envs];
    Random[] games = new Random[envs];
    int[] steps = new int[envs];
    double[] returns = new double[envs];
    for (int e = 0; e < envs; e++) {
      games[e] = Episodes.game(settings.seed(), e);
      states[e] = Game.start(games[e]);
    }
    Player random = Player.random();
    long total = (long) plan.epochs() * plan.stepsPerEpoch();
    long transitions = 0;
    long updates = 0;
    synchronise(target);
    List<Agent.DqnEpoch> curve = new ArrayList<>();
    for (int epoch = 1; epoch <= plan.epochs(); epoch++) {
      double lossSum = 0;
      int lossCount = 0;
      double returnSum = 0;
      int episodes = 0;
      long epochEnd = (long) epoch * plan.stepsPerEpoch();
      while (transitions < epochEnd) {
        double epsilon = epsilon(transitions, total);
        Move[] greedy = training.greedy(states);
        for (int e = 0; e < envs; e++) {
          Move move = rng.nextDouble() < epsilon ? random.act(states[e], rng) : greedy[e];
          Game.Step step = Game.step(states[e], move, games[e]);
          replay.add(
              states[e], move, (float) step.reward() * REWARD_SCALE, step.next(), step.done());
          returns[e] += step.reward();
          transitions++;
          if (step.done() || ++steps[e] == Game.MAX_STEPS) {
            // a game cut at MAX_STEPS is not terminal: its last transition still bootstraps
            returnSum += returns[e];
            episodes++;
            returns[e] = 0;
            steps[e] = 0;
            states[e] = Game.start(games[e]);
          } else {
            states[e] = step.next();
          }
        }
        if (replay.size() >= plan.warmup()) {
          lossSum += update(target, targetStore);
          lossCount++;
          if (++updates % plan.targetSync() == 0) {
            synchronise(target);
          }
        }
        progress.report(
            "train " + training.descriptor().name() + " (DQN)",
            transitions,
            total,
            String.format(
                Locale.ROOT,
                "epoch %d/%d, epsilon %.2f, loss %.4f, return %.1f",
                epoch,
                plan.epochs(),
                epsilon,
                lossCount == 0 ? Double.NaN : lossSum / lossCount,
                episodes == 0 ? Double.NaN : returnSum / episodes));
      }
      training.save(epoch);
      Episodes.Score greedyScore =
          Episodes.evaluate(training.player(), Agent.DQN_EVALUATION_GAMES, settings.seed() + 17L);
      curve.add(
          new Agent.DqnEpoch(
              epoch,
              epsilon(transitions, total),
              lossCount == 0 ? Double.NaN : lossSum / lossCount,
              episodes == 0 ? Double.NaN : returnSum / episodes,
              greedyScore));
    }
    return curve;
  }

  /** Linear decay from 1 to {@link Agent.Dqn#epsilonEnd()} over the exploration fraction. */
  private double epsilon(long transitions, long total) {
    double progress = transitions / (plan.exploreFraction() * total);
    return progress >= 1 ? plan.epsilonEnd() : 1 - progress * (1 - plan.epsilonEnd());
  }

  /** One gradient step on a sampled batch; returns its loss. */
  private double update(Block target, ParameterStore targetStore) {
    int batch = settings.batchSize();
    int size = GameState.CHANNELS * Maze.CELLS;
    int moves = Move.values().length;
    float[] from = new float[batch * size];
    float[] to = new float[batch * size];
    float[] taken = new float[batch * moves];
    int[] picked = new int[batch];
    for (int b = 0; b < batch; b++) {
      int i = rng.nextInt(replay.size());
      picked[b] = i;
      System.arraycopy(replay.from[i].encode(), 0, from, b * size, size);
      System.arraycopy(replay.to[i].encode(), 0, to, b * size, size);
      taken[b * moves + replay.move[i]] = 1f;
    }
    Trainer trainer = training.trainer();
    Shape shape = Architecture.inputShape(training.descriptor(), batch);
    try (NDManager manager = trainer.getManager().newSubManager()) {
      NDArray next = manager.create(to, shape);
      // double Q-learning: the online network picks the next move, the target network values it
      NDArray choice =
          trainer.evaluate(new NDList(next)).singletonOrThrow().argMax(1).oneHot(moves);
      float[] value =
          target
              .forward(targetStore, new NDList(next), false)
              .singletonOrThrow()
              .mul(choice)
              .sum(new int[] {1})
              .toFloatArray();
      float[] y = new float[batch];
      for (int b = 0; b < batch; b++) {
        int i = picked[b];
        y[b] = replay.reward[i] + (replay.terminal[i] ? 0f : (float) plan.gamma() * value[b]);
      }
      NDList labels = new NDList(manager.create(y), manager.create(taken, new Shape(batch, moves)));
      double loss;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray q = trainer.forward(new NDList(manager.create(from, shape))).singletonOrThrow();
        NDArray l = trainer.getLoss().evaluate(labels, new NDList(q));
        collector.backward(l);
        loss = l.getFloat();
      }
      trainer.step();
      return loss;
    }
  }

  /** Copies the online network's weights into the target network. */
  private void synchronise(Block target) {
    Iterator<Parameter> online =
        training.trainer().getModel().getBlock().getParameters().values().iterator();
    for (Parameter p : target.getParameters().values()) {
      p.getArray().set(online.next().getArray().toByteBuffer());
    }
  }

  /** A ring buffer of transitions, the oldest overwritten first. */
  private static final class Replay {
    final GameState[] from;
    final GameState[] to;
    final int[] move;
    final float[] reward;
    final boolean[] terminal;
    private int size;
    private int next;

    Replay(int capacity) {
      from = new GameState[capacity];
      to = new GameState[capacity];
      move = new int[capacity];
      reward = new float[capacity];
      terminal = new boolean[capacity];
    }

    void add(GameState s, Move m, float r, GameState s2, boolean done) {
      from[next] = s;
      to[next] = s2;
      move[next] = m.ordinal();
      reward[next] = r;
      terminal[next] = done;
      next = (next + 1) % from.length;
      size = Math.min(size + 1, from.length);
    }

    int size() {
      return size;
    }
  }
}
