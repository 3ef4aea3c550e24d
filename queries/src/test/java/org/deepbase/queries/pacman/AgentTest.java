package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentTest {
  @Test
  void imitationLearningBeatsGuessingAndSavesEveryEpoch(@TempDir Path dir) throws Exception {
    Workspace workspace = new Workspace(dir);
    PacmanWorkspace.create(
        workspace, new PacmanWorkspace.Plan(4000, 500, new Agent.Settings(3, 64, 2e-3f, 1)));
    assertEquals(3, workspace.checkpoints(PacmanWorkspace.MODEL).size());
    double baseline = Agent.majorityBaseline(workspace.datasetDir(PacmanWorkspace.TEST), 500);
    double first;
    double last;
    try (LoadedModel m =
        LoadedModel.load(workspace.model("pacman"), workspace.checkpoint("pacman", 1))) {
      first = Agent.accuracy(m, workspace.datasetDir(PacmanWorkspace.TEST));
    }
    try (LoadedModel m =
        LoadedModel.load(workspace.model("pacman"), workspace.latestCheckpoint("pacman"))) {
      last = Agent.accuracy(m, workspace.datasetDir(PacmanWorkspace.TEST));
    }
    System.out.printf(
        "agent accuracy: epoch 1 %.3f, epoch 3 %.3f, majority baseline %.3f%n",
        first, last, baseline);
    assertTrue(
        last > baseline + 0.1,
        "learned something beyond the majority move: " + last + " vs " + baseline);
  }
}
