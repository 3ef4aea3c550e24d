package org.deepbase.queries.pacman;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;

/**
 * A 15 x 19 PacMan maze: walls and roads, row-major, border all walls, every road connected.
 *
 * <p>Generated from a pillar pattern (walls at even rows and columns inside the border) with seeded
 * random pillars removed and short wall segments added, then unreachable roads walled off.
 */
public final class Maze {
  public static final int HEIGHT = 15;
  public static final int WIDTH = 19;
  public static final int CELLS = HEIGHT * WIDTH;

  private final boolean[] walls;

  private Maze(boolean[] walls) {
    this.walls = walls;
  }

  /** Generates a maze from a random source. */
  public static Maze generate(Random rng) {
    boolean[] walls = new boolean[CELLS];
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        boolean border = y == 0 || x == 0 || y == HEIGHT - 1 || x == WIDTH - 1;
        boolean pillar = y % 2 == 0 && x % 2 == 0;
        walls[y * WIDTH + x] = border || pillar && rng.nextDouble() < 0.8;
      }
    }
    for (int i = 0; i < 12; i++) {
      int y = 2 * (1 + rng.nextInt((HEIGHT - 3) / 2));
      int x = 2 * (1 + rng.nextInt((WIDTH - 3) / 2));
      Move direction = Move.values()[rng.nextInt(4)];
      int next = direction.from(y * WIDTH + x, WIDTH);
      if (!isBorder(next)) {
        walls[next] = true;
      }
    }
    Maze maze = new Maze(walls);
    maze.wallOffUnreachable();
    return maze;
  }

  private static boolean isBorder(int cell) {
    int y = cell / WIDTH;
    int x = cell % WIDTH;
    return y == 0 || x == 0 || y == HEIGHT - 1 || x == WIDTH - 1;
  }

  private void wallOffUnreachable() {
    int start = -1;
    for (int c = 0; c < CELLS && start < 0; c++) {
      if (!walls[c]) {
        start = c;
      }
    }
    int[] distance = distancesFrom(start);
    for (int c = 0; c < CELLS; c++) {
      if (distance[c] < 0) {
        walls[c] = true;
      }
    }
  }

  public boolean isWall(int cell) {
    return walls[cell];
  }

  /** Returns the cell a move leads to, or {@code cell} itself when a wall is in the way. */
  public int step(int cell, Move move) {
    int next = move.from(cell, WIDTH);
    return walls[next] ? cell : next;
  }

  /** Returns whether a move from a cell is possible. */
  public boolean canMove(int cell, Move move) {
    return !walls[move.from(cell, WIDTH)];
  }

  /** Returns BFS distances from a road cell to every cell (-1 where unreachable). */
  public int[] distancesFrom(int start) {
    int[] distance = new int[CELLS];
    Arrays.fill(distance, -1);
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    distance[start] = 0;
    queue.add(start);
    while (!queue.isEmpty()) {
      int cell = queue.poll();
      for (Move m : Move.values()) {
        int next = m.from(cell, WIDTH);
        if (!walls[next] && distance[next] < 0) {
          distance[next] = distance[cell] + 1;
          queue.add(next);
        }
      }
    }
    return distance;
  }

  /** Returns the road cells in row-major order. */
  public int[] roads() {
    int[] roads = new int[CELLS];
    int n = 0;
    for (int c = 0; c < CELLS; c++) {
      if (!walls[c]) {
        roads[n++] = c;
      }
    }
    return Arrays.copyOf(roads, n);
  }
}
