package org.deepbase.queries.pacman;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.data.Npy;

/**
 * Writes a seeded PacMan dataset: random game states, the scripted move for each (the training
 * label) and the ghost's simulated positions {@link #HORIZONS} steps ahead.
 *
 * <p>Record i depends only on (seed, i), so any subset of a dataset can be regenerated exactly.
 */
public final class DatasetGenerator {
  public static final String DOMAIN = "pacman";
  public static final int[] HORIZONS = {1, 2, 4, 8};
  private static final int LAYOUTS = 16;

  private DatasetGenerator() {}

  /** Generates record i of a dataset with the given seed, with its future ghost positions. */
  public static GeneratedRecord record(long seed, int i) {
    // Mazes come from a small pool so that the agent sees each layout many times.
    Maze maze = Maze.generate(new Random(seed * 31 + new Random(seed ^ i).nextInt(LAYOUTS)));
    Random rng = new Random(seed * 1_000_003L + i);
    int[] roads = maze.roads();
    boolean[] dots = new boolean[Maze.CELLS];
    for (int road : roads) {
      dots[road] = rng.nextDouble() < 0.5;
    }
    int pacman = roads[rng.nextInt(roads.length)];
    int ghost;
    do {
      ghost = roads[rng.nextInt(roads.length)];
    } while (ghost == pacman);
    int pill = roads[rng.nextInt(roads.length)];
    dots[pacman] = false;
    dots[pill] = false;
    GameState state = new GameState(maze, dots, pill == pacman ? -1 : pill, pacman, ghost);
    int[] futures = new int[HORIZONS.length];
    GameState s = state;
    int h = 0;
    for (int t = 1; t <= HORIZONS[HORIZONS.length - 1]; t++) {
      s = Policies.step(s, Policies.pacman(s), rng);
      if (t == HORIZONS[h]) {
        futures[h++] = s.ghost();
      }
    }
    return new GeneratedRecord(state, Policies.pacman(state), futures);
  }

  /** A generated record: the state, its scripted move and the ghost's future cells. */
  public record GeneratedRecord(GameState state, Move move, int[] futureGhost) {}

  /** Writes a dataset directory (dataset.json, inputs.npy, records.csv) of n records. */
  public static DatasetDescriptor write(Path dir, String name, long seed, int n)
      throws IOException {
    return write(dir, name, seed, n, Progress.SILENT);
  }

  /** Writes a dataset directory of n records, reporting progress. */
  public static DatasetDescriptor write(Path dir, String name, long seed, int n, Progress progress)
      throws IOException {
    Files.createDirectories(dir);
    List<Integer> inputShape = List.of(GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH);
    DatasetDescriptor descriptor =
        new DatasetDescriptor(name, DOMAIN, n, inputShape, List.of(Maze.HEIGHT, Maze.WIDTH));
    try (OutputStream inputs =
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(DatasetDescriptor.INPUTS)));
        BufferedWriter csv = Files.newBufferedWriter(dir.resolve(DatasetDescriptor.RECORDS))) {
      Npy.writeHeader(inputs, List.of(n, GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH));
      csv.write(header());
      for (int i = 0; i < n; i++) {
        GeneratedRecord r = record(seed, i);
        Npy.writeFloats(inputs, r.state().encode());
        csv.write(row(i, r.state(), r.move(), r.futureGhost()));
        if ((i + 1) % 1000 == 0 || i + 1 == n) {
          progress.report("generate " + name, i + 1, n);
        }
      }
    }
    Json.write(dir.resolve(DatasetDescriptor.FILE_NAME), descriptor);
    return descriptor;
  }

  /** The records.csv header line of a PacMan dataset. */
  static String header() {
    StringBuilder header =
        new StringBuilder("record_id,move,pacman_y,pacman_x,ghost_y,ghost_x,pill_y,pill_x");
    for (int horizon : HORIZONS) {
      header.append(",ghost_").append(horizon).append("_y,ghost_").append(horizon).append("_x");
    }
    return header.append('\n').toString();
  }

  /** One records.csv line: id, scripted move, cells (y, x; -1 for none) and future ghost cells. */
  static String row(int id, GameState state, Move move, int[] futureGhost) {
    StringBuilder row = new StringBuilder().append(id).append(',').append(move.ordinal());
    appendCell(row, state.pacman());
    appendCell(row, state.ghost());
    appendCell(row, state.pill());
    for (int future : futureGhost) {
      appendCell(row, future);
    }
    return row.append('\n').toString();
  }

  private static void appendCell(StringBuilder row, int cell) {
    if (cell < 0) {
      row.append(",-1,-1");
    } else {
      row.append(',').append(cell / Maze.WIDTH).append(',').append(cell % Maze.WIDTH);
    }
  }
}
