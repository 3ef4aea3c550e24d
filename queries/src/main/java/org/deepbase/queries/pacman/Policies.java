package org.deepbase.queries.pacman;

import java.util.Random;

/**
 * The scripted behaviour of both characters.
 *
 * <p>PacMan flees when the ghost is within {@link #DANGER} steps (the move that maximises its maze
 * distance from the ghost), otherwise eats an adjacent dot (first in move order) or walks towards
 * the nearest dot (or the pill). The ghost chases PacMan along a shortest path with probability
 * 0.75 and wanders otherwise.
 */
public final class Policies {
  public static final int DANGER = 3;

  private Policies() {}

  /** Returns PacMan's scripted move: the imitation target of the agent. */
  public static Move pacman(GameState s) {
    Maze maze = s.maze();
    int[] fromGhost = maze.distancesFrom(s.ghost());
    if (fromGhost[s.pacman()] <= DANGER) {
      Move best = null;
      int bestDistance = -1;
      for (Move m : Move.values()) {
        if (maze.canMove(s.pacman(), m)
            && fromGhost[m.from(s.pacman(), Maze.WIDTH)] > bestDistance) {
          best = m;
          bestDistance = fromGhost[m.from(s.pacman(), Maze.WIDTH)];
        }
      }
      if (best != null) {
        return best;
      }
    }
    for (Move m : Move.values()) {
      int next = m.from(s.pacman(), Maze.WIDTH);
      if (maze.canMove(s.pacman(), m) && (s.dots()[next] || next == s.pill())) {
        return m;
      }
    }
    int target = nearestTarget(s);
    if (target >= 0) {
      int[] fromTarget = maze.distancesFrom(target);
      Move best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (Move m : Move.values()) {
        int next = m.from(s.pacman(), Maze.WIDTH);
        if (maze.canMove(s.pacman(), m)
            && fromTarget[next] >= 0
            && fromTarget[next] < bestDistance) {
          best = m;
          bestDistance = fromTarget[next];
        }
      }
      if (best != null) {
        return best;
      }
    }
    for (Move m : Move.values()) {
      if (maze.canMove(s.pacman(), m)) {
        return m;
      }
    }
    return Move.UP;
  }

  private static int nearestTarget(GameState s) {
    int[] fromPacman = s.maze().distancesFrom(s.pacman());
    int best = -1;
    for (int c = 0; c < Maze.CELLS; c++) {
      boolean target = s.dots()[c] || c == s.pill();
      if (target
          && c != s.pacman()
          && fromPacman[c] > 0
          && (best < 0 || fromPacman[c] < fromPacman[best])) {
        best = c;
      }
    }
    return best;
  }

  /** Returns the ghost's move: a shortest-path step towards PacMan, or a random legal one. */
  public static Move ghost(GameState s, Random rng) {
    Maze maze = s.maze();
    if (rng.nextDouble() < 0.75) {
      int[] fromPacman = maze.distancesFrom(s.pacman());
      for (Move m : Move.values()) {
        int next = m.from(s.ghost(), Maze.WIDTH);
        if (maze.canMove(s.ghost(), m)
            && fromPacman[next] >= 0
            && fromPacman[next] < fromPacman[s.ghost()]) {
          return m;
        }
      }
    }
    Move[] legal =
        java.util.Arrays.stream(Move.values())
            .filter(m -> maze.canMove(s.ghost(), m))
            .toArray(Move[]::new);
    return legal[rng.nextInt(legal.length)];
  }

  /** Advances the game one tick: PacMan moves and eats, then the ghost moves. */
  public static GameState step(GameState s, Move pacmanMove, Random rng) {
    int pacman = s.maze().step(s.pacman(), pacmanMove);
    boolean[] dots = s.dots().clone();
    dots[pacman] = false;
    int pill = s.pill() == pacman ? -1 : s.pill();
    GameState moved = new GameState(s.maze(), dots, pill, pacman, s.ghost());
    int ghost = s.maze().step(s.ghost(), ghost(moved, rng));
    return new GameState(s.maze(), dots, pill, pacman, ghost);
  }
}
