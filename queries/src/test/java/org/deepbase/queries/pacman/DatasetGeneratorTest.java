package org.deepbase.queries.pacman;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetGeneratorTest {
  @Test
  void sameSeedSameFiles(@TempDir Path dir) throws Exception {
    DatasetGenerator.write(dir.resolve("a"), "a", 7, 50);
    DatasetGenerator.write(dir.resolve("b"), "b", 7, 50);
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("a/inputs.npy")),
        Files.readAllBytes(dir.resolve("b/inputs.npy")));
    assertEquals(
        Files.readString(dir.resolve("a/records.csv")),
        Files.readString(dir.resolve("b/records.csv")));
  }

  @Test
  void recordsAreWellFormedGames() {
    for (int i = 0; i < 200; i++) {
      DatasetGenerator.GeneratedRecord r = DatasetGenerator.record(3, i);
      GameState s = r.state();
      float[] input = s.encode();
      for (int x = 0; x < Maze.WIDTH; x++) {
        assertEquals(1f, input[GameState.WALL * Maze.CELLS + x], "top border is wall");
      }
      assertEquals(1f, input[GameState.GHOST * Maze.CELLS + s.ghost()]);
      assertEquals(1f, sum(input, GameState.GHOST), 0f, "exactly one ghost");
      assertEquals(1f, sum(input, GameState.PACMAN), 0f, "exactly one PacMan");
      // The ghost moves at most one cell per tick, so after h ticks it is within h steps.
      int[] fromNow = s.maze().distancesFrom(s.ghost());
      for (int h = 0; h < DatasetGenerator.HORIZONS.length; h++) {
        int d = fromNow[r.futureGhost()[h]];
        assertTrue(
            d >= 0 && d <= DatasetGenerator.HORIZONS[h],
            "ghost_" + DatasetGenerator.HORIZONS[h] + " reachable");
      }
      assertTrue(s.maze().canMove(s.pacman(), r.move()), "scripted move is legal");
    }
  }

  @Test
  void pacmanFleesAdjacentGhost() {
    int fled = 0;
    int near = 0;
    for (int i = 0; i < 2000; i++) {
      GameState s = DatasetGenerator.record(5, i).state();
      int[] fromGhost = s.maze().distancesFrom(s.ghost());
      if (fromGhost[s.pacman()] == 1) {
        near++;
        Move m = Policies.pacman(s);
        fled += fromGhost[m.from(s.pacman(), Maze.WIDTH)] >= 1 ? 1 : 0;
      }
    }
    assertTrue(near > 10, "enough close encounters: " + near);
    assertEquals(near, fled, "never walks into the ghost");
  }

  private static float sum(float[] input, int channel) {
    float total = 0;
    for (int c = 0; c < Maze.CELLS; c++) {
      total += input[channel * Maze.CELLS + c];
    }
    return total;
  }
}
