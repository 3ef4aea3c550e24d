package org.deepbase.queries.pacman;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.workspace.Workspace;

/**
 * Creates the PacMan case-study workspace: a training and a test dataset of states visited while
 * playing, and the agent trained on them (deep Q-learning by default) with one checkpoint per
 * epoch. Sizes are parameters so tests can build a small one.
 */
public final class PacmanWorkspace {
  public static final String MODEL = "pacman";
  public static final String TRAIN = "pacman_train";
  public static final String TEST = "pacman_test";

  private PacmanWorkspace() {}

  /**
   * Sizes and seeds of a workspace.
   *
   * @param dagger DAgger's schedule; null to imitate on the training set alone for {@code
   *     training.epochs()} epochs
   * @param dqn deep Q-learning's schedule: when given, the agent learns from the game's rewards
   *     instead of imitating (DAgger is then ignored)
   */
  public record Plan(
      int trainRecords,
      int testRecords,
      Agent.Settings training,
      Agent.@Nullable Dagger dagger,
      Agent.@Nullable Dqn dqn) {
    /** Imitation on the training set alone. */
    public Plan(int trainRecords, int testRecords, Agent.Settings training) {
      this(trainRecords, testRecords, training, null, null);
    }

    /** Imitation by DAgger. */
    public Plan(int trainRecords, int testRecords, Agent.Settings training, Agent.Dagger dagger) {
      this(trainRecords, testRecords, training, dagger, null);
    }

    /**
     * Returns the demo's defaults: deep Q-learning from the game's rewards, 15 epochs of 15,000
     * moves (about 9 minutes on 2 cores); {@code epochs} changes the length of training (the
     * documented longer run is 40 epochs, about 25 minutes).
     */
    public static Plan demo() {
      return new Plan(
          20_000,
          2_000,
          new Agent.Settings(0, 32, 3e-4f, 42),
          null,
          new Agent.Dqn(15, 15_000, 8, 100_000, 5_000, 1_000, 0.97, 0.05, 0.3));
    }

    /** Returns imitation by DAgger (the demo's {@code --train dagger}): 20 epochs, ~3 minutes. */
    public static Plan imitation() {
      return new Plan(
          20_000, 2_000, new Agent.Settings(20, 64, 1e-3f, 42), new Agent.Dagger(4, 5, 5_000, 0.5));
    }

    /** Returns a smaller, faster plan (the demo's --quick): DAgger, about a minute. */
    public static Plan quick() {
      return new Plan(
          6_000, 1_000, new Agent.Settings(8, 64, 2e-3f, 1), new Agent.Dagger(4, 2, 2_000, 0.5));
    }
  }

  /**
   * How the datasets are played: the scripted player with 20% random moves, so that the states
   * cover more than its own habits (PlayedDataset).
   */
  static final double EXPLORATION = 0.2;

  /** The reinforcement learner's curve (one {@link Agent.DqnEpoch} per epoch), in the model dir. */
  public static final String LEARNING_CURVE = "learning_curve.json";

  /** Returns whether the workspace already holds a trained agent and both datasets. */
  public static boolean exists(Workspace workspace) {
    return workspace.models().containsKey(MODEL)
        && !workspace.checkpoints(MODEL).isEmpty()
        && workspace.datasets().containsKey(TEST)
        && workspace.datasets().containsKey(TRAIN);
  }

  /** Generates the datasets and trains the agent (whatever is missing). */
  public static void create(Workspace workspace, Plan plan) throws IOException {
    Files.createDirectories(workspace.root());
    Player player = Player.scripted().exploring(EXPLORATION);
    if (!workspace.datasets().containsKey(TRAIN)) {
      PlayedDataset.write(
          workspace.datasetDir(TRAIN), TRAIN, 1, plan.trainRecords(), player, workspace.progress());
    }
    if (!workspace.datasets().containsKey(TEST)) {
      PlayedDataset.write(
          workspace.datasetDir(TEST), TEST, 2, plan.testRecords(), player, workspace.progress());
    }
    if (!workspace.models().containsKey(MODEL) || workspace.checkpoints(MODEL).isEmpty()) {
      if (plan.dqn() != null) {
        List<Agent.DqnEpoch> curve =
            Agent.trainDqn(
                workspace.modelDir(MODEL),
                MODEL,
                plan.training(),
                plan.dqn(),
                workspace.progress());
        Json.write(workspace.modelDir(MODEL).resolve(LEARNING_CURVE), curve);
      } else if (plan.dagger() == null) {
        Agent.train(
            workspace.modelDir(MODEL),
            MODEL,
            workspace.datasetDir(TRAIN),
            plan.training(),
            workspace.progress());
      } else {
        Agent.trainDagger(
            workspace.modelDir(MODEL),
            MODEL,
            workspace.datasetDir(TRAIN),
            plan.training(),
            plan.dagger(),
            workspace.progress());
      }
    }
  }
}
