package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.jdbc.DeepBaseDriver;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behavior-cache writes and dataset conversions survive {@code kill -9} (issue 15): a separate JVM
 * drops .npz datasets and inspects each with {@code cache => true} ({@link CacheLoop}: the inputs
 * are converted into {@code .materialized/}, the behaviors written to the cache) and is killed at a
 * seeded random moment. Afterwards, for every dataset on disk, an INSPECT that may read the cache
 * returns exactly the scores of one that never touches it (a half-written entry or conversion is
 * never used), and every acknowledged INSPECT's entries are there and valid: repeating it runs no
 * forward pass and returns the acknowledged scores. Same trial count as {@link CatalogCrashTest}.
 */
class CacheCrashTest {
  @TempDir Path root;

  @Test
  void acknowledgedCacheWritesAndConversionsSurviveKillNine() throws Exception {
    ExecutorService lanes = Executors.newFixedThreadPool(2);
    try {
      List<Future<int[]>> work = new ArrayList<>();
      for (int lane = 0; lane < 2; lane++) {
        Path dir = root.resolve("ws" + lane);
        PlantedAgent.workspace(dir, "pacman", 25, 60);
        int first = lane;
        work.add(
            lanes.submit(
                () -> {
                  int[] counts = new int[2];
                  for (int trial = first; trial < CatalogCrashTest.TRIALS; trial += 2) {
                    int[] checked = trial(dir, trial);
                    counts[0] += checked[0];
                    counts[1] += checked[1];
                  }
                  return counts;
                }));
      }
      int acknowledged = 0;
      int datasets = 0;
      for (Future<int[]> f : work) {
        int[] counts = f.get(900, TimeUnit.SECONDS);
        acknowledged += counts[0];
        datasets += counts[1];
      }
      System.out.printf(
          "%d kill -9 trials: %d acknowledged cached inspections and %d datasets on disk checked%n",
          CatalogCrashTest.TRIALS, acknowledged, datasets);
      assertTrue(datasets > acknowledged, "some kills landed inside a conversion or a cache write");
    } finally {
      lanes.shutdownNow();
    }
  }

  /** Runs one trial; returns {acknowledged inspections, datasets checked}. */
  static int[] trial(Path dir, int trial) throws Exception {
    List<String> acks =
        KillNine.run(
            CacheLoop.class, new Random(2500 + trial), 0, 2500, dir.toString(), "k" + trial);
    Map<String, String> acknowledged = new HashMap<>();
    for (String ack : acks) {
      int space = ack.indexOf(' ');
      acknowledged.put(ack.substring(0, space), ack.substring(space + 1));
    }
    int checked = 0;
    List<Path> dropped;
    try (Stream<Path> dirs = Files.list(dir.resolve("datasets"))) {
      dropped =
          dirs.filter(d -> d.getFileName().toString().startsWith("d_k" + trial + "_"))
              .filter(d -> Files.isRegularFile(d.resolve("dataset.json")))
              .toList();
    }
    for (Path d : dropped) {
      String name = d.getFileName().toString();
      String uncached = inspect(dir, name, false, null);
      ExtractionMetrics metrics = new ExtractionMetrics();
      String cached = inspect(dir, name, true, metrics);
      assertEquals(uncached, cached, "trial " + trial + ": " + name + " read from what was left");
      if (acknowledged.containsKey(name)) {
        assertEquals(
            acknowledged.get(name), cached, "trial " + trial + ": acknowledged scores of " + name);
        assertEquals(
            0,
            metrics.forwardPasses(),
            "trial " + trial + ": the acknowledged cache entries of " + name + " are valid");
      }
      checked++;
    }
    assertTrue(
        checked >= acknowledged.size(), "trial " + trial + ": every acknowledged dataset is there");
    return new int[] {acknowledged.size(), checked};
  }

  private static String inspect(Path dir, String dataset, boolean cache, ExtractionMetrics metrics)
      throws Exception {
    Properties properties = new Properties();
    if (metrics != null) {
      properties.put(DeepBaseDriver.METRICS, metrics);
    }
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir, properties)) {
      return String.join(
          ";", Rows.of(c, String.format(Locale.ROOT, CacheLoop.INSPECT, dataset, cache)));
    }
  }
}
