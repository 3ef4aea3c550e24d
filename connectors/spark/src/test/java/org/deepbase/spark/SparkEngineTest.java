package org.deepbase.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same INSPECT on the local engine and on Spark (local[2], UI off), on the planted PacMan
 * workspace: equal scores, whatever the partition count; failures surface as SQL errors; one
 * transient failure is retried by Spark.
 */
class SparkEngineTest {
  /**
   * Two task slots; up to two attempts per task (the "2,2"), so one injected failure is retried.
   */
  static final String MASTER = "local[2,2]";

  static final String QUERY =
      "SELECT * FROM TABLE(inspect(models => 'planted', units => 'conv1.*,conv2.*', "
          + "hypotheses => 'ghost,walls', measures => '%s', dataset => 'pacman_test', exact => true))";

  @TempDir static Path dir;

  @BeforeAll
  static void workspace() throws Exception {
    PlantedAgent.workspace(dir, "planted", 21, 300);
  }

  @AfterAll
  static void stop() {
    org.apache.spark.sql.SparkSession.active().stop();
  }

  @Test
  void sparkEqualsLocalForUnitMeasuresAndExactIouWhateverThePartitions() throws Exception {
    String sql = String.format(QUERY, "local_iou,corr,auc,iou,f1");
    Map<String, double[]> local = scores(sql, Map.of());
    assertEquals(48 * 2 * 5, local.size());
    for (int partitions : new int[] {1, 2, 7}) {
      long loadsBefore = ExecutorModels.loads();
      Map<String, double[]> spark =
          scores(
              sql,
              Map.of("engine", "spark", "spark.deepbase.partitions", String.valueOf(partitions)));
      // two stages (exact iou) x partitions tasks, yet at most one load per task slot (local[2])
      assertTrue(
          ExecutorModels.loads() - loadsBefore <= 2,
          "models loaded: " + (ExecutorModels.loads() - loadsBefore));
      assertEquals(local.keySet(), spark.keySet(), partitions + " partitions");
      for (Map.Entry<String, double[]> e : local.entrySet()) {
        assertEquals(
            e.getValue()[0],
            spark.get(e.getKey())[0],
            1e-9,
            e.getKey() + " with " + partitions + " partitions");
        assertEquals(e.getValue()[1], spark.get(e.getKey())[1], 0.0, "records_used");
      }
    }
    assertEquals(1.0, local.get("conv1." + PlantedAgent.GHOST_UNIT + ".ghost.local_iou")[0], 1e-9);
  }

  @Test
  void rawConventionIouOverAPooledLayerTakesThreePassesOnSparkAsLocally() throws Exception {
    // A pooled layer is resized to the maps on demand: in NetDissect-Lite's convention its exact
    // IoU finds the threshold in pass two and counts above it in pass three.
    PlantedAgent.write(
        new org.deepbase.engine.workspace.Workspace(dir).modelDir("pooled"),
        "pooled",
        java.util.List.of(
            org.deepbase.engine.catalog.LayerSpec.conv2d("conv1", 8, 3),
            org.deepbase.engine.catalog.LayerSpec.maxPool("pool1", 2)));
    String sql =
        "SELECT * FROM TABLE(inspect(models => 'pooled', units => 'pool1.*', hypotheses =>"
            + " 'ghost,walls', measures => 'iou(0.9, raw),iou(0.9)', dataset => 'pacman_test',"
            + " exact => true))";
    Map<String, double[]> local = scores(sql, Map.of());
    assertEquals(8 * 2 * 2, local.size());
    assertTrue(
        local.values().stream().anyMatch(s -> s[0] > 0), "some pooled unit overlaps a concept");
    for (int partitions : new int[] {1, 3}) {
      Map<String, double[]> spark =
          scores(
              sql,
              Map.of("engine", "spark", "spark.deepbase.partitions", String.valueOf(partitions)));
      assertEquals(local.keySet(), spark.keySet());
      for (Map.Entry<String, double[]> e : local.entrySet()) {
        assertEquals(e.getValue()[0], spark.get(e.getKey())[0], 1e-12, e.getKey());
      }
    }
  }

  @Test
  void theRelationalFormRunsOnSparkToo() throws Exception {
    String sql =
        """
        SELECT b.unit AS unit, 'conv1' AS layer, a.hypothesis AS hypothesis, 0 AS unused,
               local_iou(b.behavior, a.annotation) AS score, 'x' AS m, 0 AS records_used
        FROM deepbase.behaviors b JOIN deepbase.annotations a
          ON a.dataset = b.dataset AND a.record_id = b.record_id AND a.symbol = b.symbol
        WHERE b.model = 'planted' AND b.layer = 'conv1' AND a.hypothesis = 'ghost'
        GROUP BY b.unit, a.hypothesis""";
    Map<String, double[]> local = scores(sql, Map.of());
    Map<String, double[]> spark =
        scores(sql, Map.of("engine", "spark", "spark.deepbase.partitions", "3"));
    assertEquals(16, local.size());
    for (Map.Entry<String, double[]> e : local.entrySet()) {
      assertEquals(e.getValue()[0], spark.get(e.getKey())[0], 1e-9, e.getKey());
    }
    assertEquals(1.0, local.get("conv1." + PlantedAgent.GHOST_UNIT + ".ghost.x")[0], 1e-9);
    // and it really ran as Spark tasks: an executor-side failure reaches this query
    System.setProperty(ShardTask.MISSING_CHECKPOINT, "true");
    try {
      SQLException e =
          assertThrows(
              SQLException.class,
              () -> scores(sql, Map.of("engine", "spark", "spark.deepbase.partitions", "3")));
      assertTrue(e.getMessage().contains("missing on this executor"), e.getMessage());
    } finally {
      System.clearProperty(ShardTask.MISSING_CHECKPOINT);
    }
  }

  @Test
  void probeOnSparkMatchesLocal() throws Exception {
    String sql =
        "SELECT * FROM TABLE(inspect(models => 'planted', units => 'conv1.*', hypotheses => 'ghost', "
            + "measures => 'probe_accuracy', dataset => 'pacman_test', max_records => 60))";
    Map<String, double[]> local = scores(sql, Map.of());
    Map<String, double[]> spark =
        scores(sql, Map.of("engine", "spark", "spark.deepbase.partitions", "3"));
    assertEquals(local.keySet(), spark.keySet());
    // 60 maps x 285 cells stay under the 20,000-sample reservoir: the same samples reach the probe
    // (merged shard by shard, so in another order); training and folds are seeded.
    double accuracy = local.get("conv1.null.ghost.probe_accuracy")[0];
    assertEquals(1.0, accuracy, 1e-9, "the planted layer separates the ghost perfectly");
    assertEquals(accuracy, spark.get("conv1.null.ghost.probe_accuracy")[0], 1e-9);
  }

  @Test
  void aMissingModelOnTheExecutorsIsAClearSqlErrorNotAHang() {
    System.setProperty(ShardTask.MISSING_CHECKPOINT, "true");
    try {
      SQLException e =
          assertThrows(
              SQLException.class,
              () ->
                  assertTimeoutPreemptively(
                      Duration.ofMinutes(2),
                      () ->
                          scores(
                              String.format(QUERY, "corr"),
                              Map.of("engine", "spark", "spark.deepbase.partitions", "2"))));
      assertTrue(e.getMessage().contains("MODEL_LOAD_FAILED"), e.getMessage());
      assertTrue(e.getMessage().contains("missing on this executor"), e.getMessage());
    } finally {
      System.clearProperty(ShardTask.MISSING_CHECKPOINT);
    }
  }

  @Test
  void aTransientTaskFailureIsRetried() throws Exception {
    String sql = String.format(QUERY, "corr");
    Map<String, double[]> expected = scores(sql, Map.of());
    Path marker = Files.createFile(dir.resolve("fail-once"));
    System.setProperty(ShardTask.FAIL_ONCE, marker.toString());
    try {
      Map<String, double[]> spark =
          scores(sql, Map.of("engine", "spark", "spark.deepbase.partitions", "2"));
      assertFalse(Files.exists(marker), "one task attempt failed (it consumed the marker)");
      for (Map.Entry<String, double[]> e : expected.entrySet()) {
        assertEquals(e.getValue()[0], spark.get(e.getKey())[0], 1e-9, e.getKey());
      }
    } finally {
      System.clearProperty(ShardTask.FAIL_ONCE);
    }
  }

  @Test
  void aQueryTimeoutCancelsTheSparkJob() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("engine", "spark");
    properties.setProperty("spark.master", MASTER);
    properties.setProperty("spark.deepbase.partitions", "2");
    // 300 maps x 48 units x 2 hypotheses x 5 measures, two stages: seconds of work, cut after 1 s
    String sql = String.format(QUERY, "local_iou,corr,auc,iou,f1");
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir, properties);
        Statement s = c.createStatement()) {
      s.setQueryTimeout(1);
      SQLException e =
          assertThrows(
              SQLException.class,
              () -> {
                try (ResultSet rs = s.executeQuery(sql)) {
                  rs.next();
                }
              });
      assertTrue(
          e.getMessage().contains("INSPECT on Spark cancelled: query timeout of 1000 ms reached"),
          e.getMessage());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 30, "the job stopped instead of running to the end: " + seconds + " s");
  }

  @Test
  void anUnknownEngineNamesTheAvailableOnes() {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> scores(String.format(QUERY, "corr"), Map.of("engine", "flink")));
    assertTrue(
        e.getMessage().contains("unknown engine 'flink'; available: [local, spark]"),
        e.getMessage());
  }

  /** Runs a query; returns layer.unit.hypothesis.measure -> {score, records_used}. */
  static Map<String, double[]> scores(String sql, Map<String, String> settings)
      throws SQLException {
    Properties properties = new Properties();
    properties.putAll(settings);
    properties.setProperty("spark.master", MASTER);
    Map<String, double[]> out = new TreeMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir, properties);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.put(
            rs.getString("layer")
                + "."
                + rs.getObject("unit")
                + "."
                + rs.getString("hypothesis")
                + "."
                + rs.getString(6),
            new double[] {rs.getDouble("score"), rs.getLong("records_used")});
      }
    }
    return out;
  }
}
