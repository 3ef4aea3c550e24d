package org.deepbase.queries.pacman;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Does an agent use the ghost? Counterfactuals on danger states of played games where the scripted
 * player's move depends on the ghost (moving the ghost far away changes it): how often the agent's
 * move changes when the ghost is moved away, and when the ghost's input channel is zeroed.
 *
 * @param states states of played games looked at
 * @param dangerFraction share of them with the ghost within {@link Policies#DANGER} steps
 * @param dependent danger states where the scripted move depends on the ghost
 * @param movedAway share of those where the agent's move changes with the ghost moved away
 * @param zeroed share of those where the agent's move changes with the ghost channel zeroed
 */
public record GhostUse(
    int states, double dangerFraction, int dependent, double movedAway, double zeroed) {

  /**
   * Measures an agent (its move for an encoded state) on games of the scripted player exploring as
   * the datasets do, until {@code wanted} dependent states are found.
   */
  public static GhostUse measure(Function<float[], Move> agent, int wanted, long seed) {
    List<GameState[]> dependent = new ArrayList<>(); // {state, the same with the ghost far away}
    int states = 0;
    int danger = 0;
    for (int game = 0; dependent.size() < wanted && game < 20 * wanted; game++) {
      for (GameState s :
          Episodes.play(
                  Player.scripted().exploring(PacmanWorkspace.EXPLORATION),
                  Episodes.game(seed, game))
              .states()) {
        states++;
        if (PlayedDataset.inDanger(s)) {
          danger++;
          GameState away = ghostFarAway(s);
          if (dependent.size() < wanted && Policies.pacman(s) != Policies.pacman(away)) {
            dependent.add(new GameState[] {s, away});
          }
        }
      }
    }
    int moved = 0;
    int zeroed = 0;
    for (GameState[] pair : dependent) {
      float[] input = pair[0].encode();
      Move now = agent.apply(input);
      float[] blind = input.clone();
      Arrays.fill(blind, GameState.GHOST * Maze.CELLS, (GameState.GHOST + 1) * Maze.CELLS, 0f);
      moved += now != agent.apply(pair[1].encode()) ? 1 : 0;
      zeroed += now != agent.apply(blind) ? 1 : 0;
    }
    int n = Math.max(1, dependent.size());
    return new GhostUse(
        states,
        (double) danger / Math.max(1, states),
        dependent.size(),
        (double) moved / n,
        (double) zeroed / n);
  }

  /** The state with the ghost on the road cell farthest from PacMan. */
  public static GameState ghostFarAway(GameState s) {
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
