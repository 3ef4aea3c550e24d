package org.deepbase.queries.pacman;

import java.io.IOException;
import java.nio.file.Files;
import org.deepbase.engine.workspace.Workspace;

/**
 * Creates the PacMan case-study workspace: a training and a test dataset and the trained agent with
 * one checkpoint per epoch. Sizes are parameters so tests can build a small one.
 */
public final class PacmanWorkspace {
  public static final String MODEL = "pacman";
  public static final String TRAIN = "pacman_train";
  public static final String TEST = "pacman_test";

  private PacmanWorkspace() {}

  /** Sizes and seeds of a workspace. */
  public record Plan(int trainRecords, int testRecords, Agent.Settings training) {
    /** Returns the demo's defaults: a few minutes of training on 2 cores. */
    public static Plan demo() {
      return new Plan(20_000, 2_000, new Agent.Settings(10, 64, 1e-3f, 42));
    }
  }

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
    if (!workspace.datasets().containsKey(TRAIN)) {
      DatasetGenerator.write(
          workspace.datasetDir(TRAIN), TRAIN, 1, plan.trainRecords(), workspace.progress());
    }
    if (!workspace.datasets().containsKey(TEST)) {
      DatasetGenerator.write(
          workspace.datasetDir(TEST), TEST, 2, plan.testRecords(), workspace.progress());
    }
    if (!workspace.models().containsKey(MODEL) || workspace.checkpoints(MODEL).isEmpty()) {
      Agent.train(
          workspace.modelDir(MODEL),
          MODEL,
          workspace.datasetDir(TRAIN),
          plan.training(),
          workspace.progress());
    }
  }
}
