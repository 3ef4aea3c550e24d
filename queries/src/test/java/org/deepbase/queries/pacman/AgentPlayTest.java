package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepbase.engine.Progress;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent learns to play from the states it visits (DAgger), plays better than chance, and uses
 * the ghost: with the ghost channel zeroed, its move changes on danger states where the scripted
 * player's move depends on the ghost.
 */
class AgentPlayTest {
  @Test
  void aSeriesOfGamesCoversTheMazes() {
    for (long seed : new long[] {1, 2, 2026}) {
      java.util.Set<String> mazes = new java.util.HashSet<>();
      for (int g = 0; g < 100; g++) {
        Maze maze = Game.start(Episodes.game(seed, g)).maze();
        StringBuilder walls = new StringBuilder();
        for (int c = 0; c < Maze.CELLS; c++) {
          walls.append(maze.isWall(c) ? '#' : '.');
        }
        mazes.add(walls.toString());
      }
      assertTrue(
          mazes.size() >= Game.LAYOUTS - 2,
          "100 games of series " + seed + " use " + mazes.size() + " mazes");
    }
  }

  @Test
  void daggerAgentSurvivesLongerThanRandomAndUsesTheGhost(@TempDir Path dir) throws Exception {
    Workspace workspace = new Workspace(dir);
    PlayedDataset.Summary played =
        PlayedDataset.write(
            workspace.datasetDir("played"),
            "played",
            5,
            3000,
            Player.scripted().exploring(0.2),
            Progress.SILENT);
    double placed = 0;
    for (int i = 0; i < 3000; i++) {
      placed += PlayedDataset.inDanger(DatasetGenerator.record(5, i).state()) ? 1 : 0;
    }
    placed /= 3000;
    System.out.printf(
        "ghost within %d steps: %.1f%% of played states (%d games), %.1f%% of random placements%n",
        Policies.DANGER, 100 * played.dangerFraction(), played.games(), 100 * placed);
    assertTrue(played.dangerFraction() > 2 * placed, "play meets the ghost more often");

    Agent.trainDagger(
        workspace.modelDir("pacman"),
        "pacman",
        workspace.datasetDir("played"),
        new Agent.Settings(0, 64, 2e-3f, 3),
        new Agent.Dagger(3, 2, 1500, 0.5),
        Progress.SILENT);
    assertEquals(6, new Workspace(dir).checkpoints("pacman").size(), "one checkpoint per epoch");

    assertPlaysAndUsesTheGhost(dir, 0.3);
  }

  /**
   * Checks the latest checkpoint of {@code pacman} in a workspace: it survives 1.5 times longer
   * than the random player over 40 games, and zeroing its ghost channel changes its move on at
   * least {@code zeroed} of 200 danger states where the scripted move depends on the ghost.
   */
  static void assertPlaysAndUsesTheGhost(Path dir, double zeroed) throws Exception {
    Workspace reopened = new Workspace(dir);
    try (LoadedModel model =
        LoadedModel.load(reopened.model("pacman"), reopened.latestCheckpoint("pacman"))) {
      Episodes.Score agentScore = Episodes.evaluate(Agent.player(model), 40, 11);
      Episodes.Score randomScore = Episodes.evaluate(Player.random(), 40, 11);
      System.out.println("agent:    " + agentScore);
      System.out.println("random:   " + randomScore);
      System.out.println("scripted: " + Episodes.evaluate(Player.scripted(), 40, 11));
      assertTrue(
          agentScore.meanSteps() > 1.5 * randomScore.meanSteps(),
          "survives longer than the random player: " + agentScore + " vs " + randomScore);

      GhostUse use = GhostUse.measure(input -> Agent.act(model, input), 200, 99);
      System.out.printf(
          "ghost channel zeroed: the agent's move changes on %.0f%% of %d danger states where the"
              + " scripted move depends on the ghost (ghost moved away: %.0f%%)%n",
          100 * use.zeroed(), use.dependent(), 100 * use.movedAway());
      assertTrue(use.dependent() >= 100, "enough danger states: " + use.dependent());
      assertTrue(use.zeroed() >= zeroed, "the agent uses the ghost: " + use.zeroed());
    }
  }
}
