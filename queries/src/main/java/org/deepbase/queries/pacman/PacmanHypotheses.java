package org.deepbase.queries.pacman;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.hypothesis.HypothesisProvider;

/**
 * The PacMan hypotheses: masks over the 15 x 19 map. Cell-type masks read the input channels;
 * {@code ghost_N} masks read the ghost's simulated position N steps ahead from the record.
 */
public final class PacmanHypotheses implements HypothesisProvider {

  /** {@inheritDoc} */
  @Override
  public String domain() {
    return DatasetGenerator.DOMAIN;
  }

  /** {@inheritDoc} */
  @Override
  public List<Hypothesis> hypotheses() {
    List<Hypothesis> all = new ArrayList<>();
    all.add(channel("ghost", GameState.GHOST, "1 at the ghost"));
    all.add(channel("pacman", GameState.PACMAN, "1 at PacMan"));
    all.add(channel("dots", GameState.DOT, "1 at roads with a dot"));
    all.add(channel("walls", GameState.WALL, "1 at walls"));
    all.add(channel("power_pill", GameState.PILL, "1 at the power pill"));
    for (int horizon : DatasetGenerator.HORIZONS) {
      String prefix = "ghost_" + horizon;
      all.add(
          of(
              prefix,
              "1 where the ghost will be " + horizon + " step(s) ahead",
              r -> {
                float[] mask = new float[Maze.CELLS];
                int y = r.intColumn(prefix + "_y");
                if (y >= 0) { // -1: the game ended before that step (datasets from play)
                  mask[y * Maze.WIDTH + r.intColumn(prefix + "_x")] = 1f;
                }
                return mask;
              }));
    }
    all.add(
        of(
            "ghost_adjacent",
            "1 at the road cells next to the ghost (not the ghost's own): the control for"
                + " anticipation, since a moving ghost's next cell is always one of them",
            r -> roadsNextTo(r, GameState.GHOST)));
    all.add(
        of(
            "pacman_adjacent",
            "1 at the road cells next to PacMan (not PacMan's own): a control for units that fire"
                + " beside PacMan rather than on the ghost",
            r -> roadsNextTo(r, GameState.PACMAN)));
    all.add(
        of(
            "control_random",
            "seeded coin flips, 1 at about 10% of cells: a control task for probes",
            r -> {
              float[] mask = new float[Maze.CELLS];
              java.util.SplittableRandom coin =
                  new java.util.SplittableRandom(0x5eedL * 31 + r.recordId());
              for (int c = 0; c < Maze.CELLS; c++) {
                mask[c] = coin.nextDouble() < 0.1 ? 1f : 0f;
              }
              return mask;
            }));
    return all;
  }

  private static Hypothesis channel(String name, int channel, String description) {
    return of(
        name,
        description,
        r -> {
          float[] mask = new float[Maze.CELLS];
          r.input().get(channel * Maze.CELLS, mask);
          return mask;
        });
  }

  private static Hypothesis of(
      String name, String description, Function<DatasetRecord, float[]> f) {
    return new Hypothesis() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return description;
      }

      @Override
      public float[] annotate(DatasetRecord record) {
        return f.apply(record);
      }
    };
  }

  /** Returns a mask of the road cells one move from the cells of a channel (not those cells). */
  private static float[] roadsNextTo(DatasetRecord r, int channel) {
    float[] marked = new float[Maze.CELLS];
    float[] road = new float[Maze.CELLS];
    r.input().get(channel * Maze.CELLS, marked);
    r.input().get(GameState.ROAD * Maze.CELLS, road);
    float[] mask = new float[Maze.CELLS];
    for (int c = 0; c < Maze.CELLS; c++) {
      if (marked[c] > 0) {
        for (Move m : Move.values()) {
          int next = m.from(c, Maze.WIDTH);
          if (next >= 0 && next < Maze.CELLS && road[next] > 0) {
            mask[next] = 1f;
          }
        }
      }
    }
    return mask;
  }
}
