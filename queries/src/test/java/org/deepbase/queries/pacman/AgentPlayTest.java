package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

    Workspace reopened = new Workspace(dir);
    try (LoadedModel model =
        LoadedModel.load(reopened.model("pacman"), reopened.latestCheckpoint("pacman"))) {
      Player agent = Agent.player(model);
      Episodes.Score agentScore = Episodes.evaluate(agent, 40, 11);
      Episodes.Score randomScore = Episodes.evaluate(Player.random(), 40, 11);
      Episodes.Score scriptedScore = Episodes.evaluate(Player.scripted(), 40, 11);
      System.out.println("agent:    " + agentScore);
      System.out.println("random:   " + randomScore);
      System.out.println("scripted: " + scriptedScore);
      assertTrue(
          agentScore.meanSteps() > 1.5 * randomScore.meanSteps(),
          "survives longer than the random player: " + agentScore + " vs " + randomScore);

      // Danger states where the scripted move depends on the ghost (moving it away changes it).
      List<GameState> dependent = new ArrayList<>();
      for (int game = 0; dependent.size() < 200 && game < 400; game++) {
        for (GameState s :
            Episodes.play(Player.scripted().exploring(0.2), new Random(99 + game)).states()) {
          if (PlayedDataset.inDanger(s) && Policies.pacman(s) != Policies.pacman(withoutGhost(s))) {
            dependent.add(s);
          }
        }
      }
      int changed = 0;
      for (GameState s : dependent) {
        float[] input = s.encode();
        float[] blind = input.clone();
        java.util.Arrays.fill(
            blind, GameState.GHOST * Maze.CELLS, (GameState.GHOST + 1) * Maze.CELLS, 0f);
        changed += Agent.act(model, input) != Agent.act(model, blind) ? 1 : 0;
      }
      double share = (double) changed / dependent.size();
      System.out.printf(
          "ghost channel zeroed: the agent's move changes on %.0f%% of %d danger states where the"
              + " scripted move depends on the ghost%n",
          100 * share, dependent.size());
      assertTrue(share >= 0.3, "the agent uses the ghost: " + share);
    }
  }

  /** The state with the ghost on the road cell farthest from PacMan. */
  static GameState withoutGhost(GameState s) {
    int[] distance = s.maze().distancesFrom(s.pacman());
    int far = s.ghost();
    for (int c = 0; c < Maze.CELLS; c++) {
      if (distance[c] > distance[far]) {
        far = c;
      }
    }
    return new GameState(s.maze(), s.dots(), s.pill(), s.pacman(), far);
  }
}
