package org.deepbase.queries.pacman;

import java.util.Arrays;
import java.util.Random;

/** Chooses PacMan's move in a state. */
@FunctionalInterface
public interface Player {
  Move act(GameState state, Random rng);

  /** The scripted player: flees within the danger radius, otherwise eats. */
  static Player scripted() {
    return (s, rng) -> Policies.pacman(s);
  }

  /** A player choosing uniformly among the legal moves. */
  static Player random() {
    return (s, rng) -> {
      Move[] legal =
          Arrays.stream(Move.values())
              .filter(m -> s.maze().canMove(s.pacman(), m))
              .toArray(Move[]::new);
      return legal.length == 0 ? Move.UP : legal[rng.nextInt(legal.length)];
    };
  }

  /** This player, except that with probability {@code epsilon} a random legal move is taken. */
  default Player exploring(double epsilon) {
    Player random = random();
    return (s, rng) -> rng.nextDouble() < epsilon ? random.act(s, rng) : act(s, rng);
  }
}
