package org.deepbase.queries.pacman;

import java.util.Objects;

/**
 * One moment of a PacMan game.
 *
 * @param maze the walls
 * @param dots road cells that still hold a dot
 * @param pill the power pill's cell, -1 once eaten
 * @param pacman PacMan's cell
 * @param ghost the ghost's cell
 */
public record GameState(Maze maze, boolean[] dots, int pill, int pacman, int ghost) {
  /** Input channels, one per cell type, in this order. */
  public static final int WALL = 0;

  public static final int ROAD = 1;
  public static final int DOT = 2;
  public static final int PACMAN = 3;
  public static final int GHOST = 4;
  public static final int PILL = 5;
  public static final int CHANNELS = 6;

  public GameState {
    Objects.requireNonNull(maze, "maze is null");
    if (maze.isWall(pacman) || maze.isWall(ghost)) {
      throw new IllegalArgumentException("PacMan and the ghost must stand on roads");
    }
  }

  /** Encodes the state as the model's input: [6, 15, 19] one-hot channels, C order. */
  public float[] encode() {
    float[] input = new float[CHANNELS * Maze.CELLS];
    for (int c = 0; c < Maze.CELLS; c++) {
      input[(maze.isWall(c) ? WALL : ROAD) * Maze.CELLS + c] = 1f;
      if (dots[c]) {
        input[DOT * Maze.CELLS + c] = 1f;
      }
    }
    input[PACMAN * Maze.CELLS + pacman] = 1f;
    input[GHOST * Maze.CELLS + ghost] = 1f;
    if (pill >= 0) {
      input[PILL * Maze.CELLS + pill] = 1f;
    }
    return input;
  }

  /** Returns the number of dots left. */
  public int dotCount() {
    int n = 0;
    for (boolean d : dots) {
      n += d ? 1 : 0;
    }
    return n;
  }
}
