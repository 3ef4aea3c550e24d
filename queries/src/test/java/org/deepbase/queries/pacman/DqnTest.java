package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deepbase.engine.Progress;
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

    AgentPlayTest.assertPlaysAndUsesTheGhost(dir, 0.2);
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
