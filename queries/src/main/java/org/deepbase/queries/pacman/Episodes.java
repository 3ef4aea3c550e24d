package org.deepbase.queries.pacman;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** Plays whole games: evaluation of a player, and the states a player visits. */
public final class Episodes {
  private Episodes() {}

  /** How a player did over a number of games. */
  public record Score(int games, double meanReturn, double meanSteps, double caughtFraction) {
    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "return %.1f, survives %.1f steps, caught in %.0f%% of %d games",
          meanReturn,
          meanSteps,
          100 * caughtFraction,
          games);
    }
  }

  /** One game's visited states (before each move) and whether it ended caught. */
  public record Trajectory(
      List<GameState> states, List<Move> moves, double total, boolean caught) {}

  /** Plays one game from a seeded start. */
  public static Trajectory play(Player player, Random rng) {
    GameState state = Game.start(rng);
    List<GameState> states = new ArrayList<>();
    List<Move> moves = new ArrayList<>();
    double total = 0;
    for (int t = 0; t < Game.MAX_STEPS; t++) {
      Move move = player.act(state, rng);
      states.add(state);
      moves.add(move);
      Game.Step step = Game.step(state, move, rng);
      total += step.reward();
      state = step.next();
      if (step.done()) {
        return new Trajectory(states, moves, total, step.caught());
      }
    }
    return new Trajectory(states, moves, total, false);
  }

  /**
   * Returns the random source of game {@code game} of a seeded series. The seed is mixed first:
   * {@code java.util.Random}'s first draws barely differ between consecutive seeds, so {@code new
   * Random(seed + game)} gave every game of a series the same maze.
   */
  public static Random game(long seed, long game) {
    return new Random(new SplittableRandom(seed * 7919 + game).nextLong());
  }

  /** Plays {@code games} seeded games; the same seed gives the same games for every player. */
  public static Score evaluate(Player player, int games, long seed) {
    double returns = 0;
    double steps = 0;
    int caught = 0;
    for (int g = 0; g < games; g++) {
      Trajectory t = play(player, game(seed, g));
      returns += t.total();
      steps += t.states().size();
      caught += t.caught() ? 1 : 0;
    }
    return new Score(games, returns / games, steps / games, (double) caught / games);
  }
}
