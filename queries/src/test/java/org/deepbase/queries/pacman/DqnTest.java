package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deepbase.engine.Progress;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deep Q-learning from the game's rewards alone: a few seeded epochs give an agent that survives
 * longer than the random player and whose move depends on the ghost on danger states.
 */
class DqnTest {
  @Test
  void dqnAgentSurvivesLongerThanRandomAndUsesTheGhost(@TempDir Path dir) throws Exception {
    Workspace workspace = new Workspace(dir);
    Agent.Dqn plan = new Agent.Dqn(5, 6_000, 8, 20_000, 1_000, 250, 0.95, 0.05, 0.4);
    List<Agent.DqnEpoch> curve =
        Agent.trainDqn(
            workspace.modelDir("pacman"),
            "pacman",
            new Agent.Settings(0, 32, 5e-4f, 7),
            plan,
            Progress.SILENT);
    curve.forEach(System.out::println);
    assertEquals(5, new Workspace(dir).checkpoints("pacman").size(), "one checkpoint per epoch");

    Workspace reopened = new Workspace(dir);
    try (LoadedModel model =
        LoadedModel.load(reopened.model("pacman"), reopened.latestCheckpoint("pacman"))) {
      Episodes.Score agent = Episodes.evaluate(Agent.player(model), 40, 11);
      Episodes.Score random = Episodes.evaluate(Player.random(), 40, 11);
      System.out.println("DQN agent: " + agent);
      System.out.println("random:    " + random);
      assertTrue(
          agent.meanSteps() > 1.5 * random.meanSteps(),
          "survives longer than the random player: " + agent + " vs " + random);
      GhostUse use = GhostUse.measure(input -> Agent.act(model, input), 200, 99);
      System.out.printf(
          "ghost channel zeroed: the DQN agent's move changes on %.0f%% of %d danger states where"
              + " the scripted move depends on the ghost (ghost moved away: %.0f%%)%n",
          100 * use.zeroed(), use.dependent(), 100 * use.movedAway());
      assertTrue(use.zeroed() >= 0.2, "the agent uses the ghost: " + use.zeroed());
    }
  }

  @Test
  void sameSeedSameCheckpoints(@TempDir Path dir) throws Exception {
    Agent.Dqn plan = new Agent.Dqn(2, 600, 4, 2_000, 200, 50, 0.95, 0.05, 0.5);
    Agent.Settings settings = new Agent.Settings(0, 16, 5e-4f, 3);
    List<Agent.DqnEpoch> first =
        Agent.trainDqn(dir.resolve("a"), "pacman", settings, plan, Progress.SILENT);
    List<Agent.DqnEpoch> second =
        Agent.trainDqn(dir.resolve("b"), "pacman", settings, plan, Progress.SILENT);
    assertEquals(first, second, "the learning curve repeats");
    for (String file : new String[] {"pacman-0001.params", "pacman-0002.params"}) {
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("a").resolve(file)),
          Files.readAllBytes(dir.resolve("b").resolve(file)),
          file + " repeats byte for byte");
    }
    List<Agent.DqnEpoch> otherSeed =
        Agent.trainDqn(
            dir.resolve("c"), "pacman", new Agent.Settings(0, 16, 5e-4f, 4), plan, Progress.SILENT);
    assertFalse(
        Arrays.equals(
            Files.readAllBytes(dir.resolve("a").resolve("pacman-0002.params")),
            Files.readAllBytes(dir.resolve("c").resolve("pacman-0002.params"))),
        "another seed trains another agent: " + otherSeed);
  }
}
