package org.deepbase.queries.pacman;

import java.util.Random;

/**
 * PacMan as an episodic game, for playing and for learning from play: PacMan moves (eating a dot or
 * the pill), then the ghost moves; the episode ends when the ghost catches PacMan, when the maze is
 * clear, or after {@link #MAX_STEPS}.
 *
 * <p>Rewards: {@link #DOT} per dot, {@link #PILL} for the pill, {@link #CLEAR} for clearing the
 * maze, {@link #CAUGHT} for being caught (a large penalty: survival matters more than any dot).
 */
public final class Game {
  public static final int MAX_STEPS = 200;
  public static final double DOT = 1;
  public static final double PILL = 5;
  public static final double CLEAR = 20;
  public static final double CAUGHT = -50;

  /** Mazes come from a pool so that an agent meets each layout many times. */
  static final int LAYOUTS = 16;

  private Game() {}

  /** The result of one step. */
  public record Step(GameState next, double reward, boolean caught, boolean done) {}

  /**
   * Returns a starting position: a maze from the pool, a dot on every road, PacMan, the pill, and
   * the ghost at least {@code 2 * DANGER} steps from PacMan.
   */
  public static GameState start(Random rng) {
    Maze maze = Maze.generate(new Random(31L * (1 + rng.nextInt(LAYOUTS))));
    int[] roads = maze.roads();
    int pacman = roads[rng.nextInt(roads.length)];
    int[] fromPacman = maze.distancesFrom(pacman);
    int ghost;
    do {
      ghost = roads[rng.nextInt(roads.length)];
    } while (fromPacman[ghost] < 2 * Policies.DANGER);
    int pill;
    do {
      pill = roads[rng.nextInt(roads.length)];
    } while (pill == pacman);
    boolean[] dots = new boolean[Maze.CELLS];
    for (int road : roads) {
      dots[road] = road != pacman && road != pill;
    }
    return new GameState(maze, dots, pill, pacman, ghost);
  }

  /** Plays one tick: PacMan's move, then the ghost's (chasing or wandering, by {@code rng}). */
  public static Step step(GameState s, Move move, Random rng) {
    Maze maze = s.maze();
    int pacman = maze.step(s.pacman(), move);
    boolean[] dots = s.dots().clone();
    double reward = 0;
    if (dots[pacman]) {
      dots[pacman] = false;
      reward += DOT;
    }
    int pill = s.pill();
    if (pill == pacman) {
      pill = -1;
      reward += PILL;
    }
    if (pacman == s.ghost()) {
      return new Step(
          new GameState(maze, dots, pill, pacman, s.ghost()), reward + CAUGHT, true, true);
    }
    GameState moved = new GameState(maze, dots, pill, pacman, s.ghost());
    int ghost = maze.step(s.ghost(), Policies.ghost(moved, rng));
    GameState next = new GameState(maze, dots, pill, pacman, ghost);
    if (ghost == pacman) {
      return new Step(next, reward + CAUGHT, true, true);
    }
    boolean clear = pill < 0 && next.dotCount() == 0;
    return new Step(next, reward + (clear ? CLEAR : 0), false, clear);
  }
}
