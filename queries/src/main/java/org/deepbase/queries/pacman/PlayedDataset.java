package org.deepbase.queries.pacman;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.data.Npy;

/**
 * Writes a PacMan dataset of states visited while playing (not independent random placements), so
 * that ghost encounters occur at the rate they do in the game. Each record holds the state, the
 * scripted player's move there (the imitation label), and where the ghost really was 1, 2, 4 and 8
 * steps later in that game (-1 past the game's end). Same columns as {@link DatasetGenerator}.
 */
public final class PlayedDataset {
  private PlayedDataset() {}

  /** What was written: states, games, and the share of states with the ghost within DANGER. */
  public record Summary(int states, int games, double dangerFraction) {}

  /** Plays seeded games with {@code player} until {@code n} states are collected. */
  public static Summary write(
      Path dir, String name, long seed, int n, Player player, Progress progress)
      throws IOException {
    Files.createDirectories(dir);
    DatasetDescriptor descriptor =
        new DatasetDescriptor(
            name,
            DatasetGenerator.DOMAIN,
            n,
            List.of(GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH),
            List.of(Maze.HEIGHT, Maze.WIDTH));
    int written = 0;
    int games = 0;
    int danger = 0;
    try (OutputStream inputs =
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(DatasetDescriptor.INPUTS)));
        BufferedWriter csv = Files.newBufferedWriter(dir.resolve(DatasetDescriptor.RECORDS))) {
      Npy.writeHeader(inputs, List.of(n, GameState.CHANNELS, Maze.HEIGHT, Maze.WIDTH));
      csv.write(DatasetGenerator.header());
      while (written < n) {
        Episodes.Trajectory game = Episodes.play(player, Episodes.game(seed, games++));
        List<GameState> states = game.states();
        for (int t = 0; t < states.size() && written < n; t++) {
          GameState state = states.get(t);
          int[] futures = new int[DatasetGenerator.HORIZONS.length];
          for (int h = 0; h < futures.length; h++) {
            int later = t + DatasetGenerator.HORIZONS[h];
            futures[h] = later < states.size() ? states.get(later).ghost() : -1;
          }
          Npy.writeFloats(inputs, state.encode());
          csv.write(DatasetGenerator.row(written, state, Policies.pacman(state), futures));
          danger += inDanger(state) ? 1 : 0;
          written++;
          if (written % 1000 == 0 || written == n) {
            progress.report("play " + name, written, n);
          }
        }
      }
    }
    Json.write(dir.resolve(DatasetDescriptor.FILE_NAME), descriptor);
    return new Summary(written, games, (double) danger / written);
  }

  /** Whether the ghost is within the scripted player's danger radius (maze distance). */
  public static boolean inDanger(GameState s) {
    return s.maze().distancesFrom(s.ghost())[s.pacman()] <= Policies.DANGER;
  }
}
