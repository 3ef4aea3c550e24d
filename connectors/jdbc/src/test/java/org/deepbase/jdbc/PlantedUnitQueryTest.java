package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.Npy;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.DjlModel;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.GameState;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PacMan ghost query over a model with hand-planted units, through the JDBC driver. */
class PlantedUnitQueryTest {
  /** Counts the forward passes of this class's connections. */
  static final ExtractionMetrics METRICS = new ExtractionMetrics();

  static final int RECORDS = 300;
  static final int CELLS = 15 * 19;

  @TempDir static Path dir;
  static Workspace workspace;

  @BeforeAll
  static void createWorkspace() throws Exception {
    workspace = PlantedAgent.workspace(dir, "planted", 11, RECORDS);
  }

  @AfterAll
  static void allocatorIsEmpty() {
    assertEquals(0, Allocators.allocatedBytes(), "every Arrow buffer was released");
  }

  static Connection connect() throws SQLException {
    return Metered.connect(dir, METRICS);
  }

  static final String GHOST_QUERY =
      """
      SELECT b.layer, b.unit, local_iou(b.behavior, a.annotation) AS score
      FROM deepbase.behaviors b JOIN deepbase.annotations a
        ON a.dataset = b.dataset AND a.record_id = b.record_id AND a.symbol = b.symbol
      WHERE b.model = 'planted' AND b.checkpoint = 1 AND b.layer IN ('conv1') AND a.hypothesis = '%s'
      GROUP BY b.layer, b.unit ORDER BY score DESC""";

  static Map<Integer, Double> scores(String sql) throws SQLException {
    Map<Integer, Double> scores = new LinkedHashMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        scores.put(rs.getInt("unit"), rs.getDouble("score"));
      }
    }
    return scores;
  }

  @Test
  void ghostUnitRanksFirstForGhost() throws Exception {
    Map<Integer, Double> scores = scores(GHOST_QUERY.formatted("ghost"));
    assertEquals(16, scores.size(), "one row per conv1 unit");
    Map.Entry<Integer, Double> top = scores.entrySet().iterator().next();
    assertEquals(PlantedAgent.GHOST_UNIT, top.getKey(), "ranking " + scores);
    assertTrue(top.getValue() > 0.95, "ghost unit score " + top.getValue());
    scores.forEach(
        (unit, score) -> {
          if (unit != PlantedAgent.GHOST_UNIT) {
            assertTrue(score < 0.5, "unit " + unit + " scored " + score + " for ghost");
          }
        });
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"iou", "local_iou", "corr", "precision", "recall", "f1", "mutual_info", "auc"})
  void ghostUnitRanksFirstUnderEveryMeasure(String measure) throws Exception {
    Map<Integer, Double> scores =
        scores(GHOST_QUERY.formatted("ghost").replace("local_iou(", measure + "("));
    List<Map.Entry<Integer, Double>> ranked = new ArrayList<>(scores.entrySet());
    assertEquals(PlantedAgent.GHOST_UNIT, ranked.get(0).getKey(), measure + " ranking " + scores);
    assertTrue(
        ranked.get(0).getValue() > ranked.get(1).getValue(),
        measure + " ranks it strictly first " + scores);
  }

  @Test
  void wallUnitRanksFirstForWalls() throws Exception {
    // Walls cover ~half the map: the per-record threshold must sit below that share.
    Map<Integer, Double> scores =
        scores(
            GHOST_QUERY
                .formatted("walls")
                .replace(
                    "local_iou(b.behavior, a.annotation)",
                    "local_iou(b.behavior, a.annotation, 0.5)"));
    Map.Entry<Integer, Double> top = scores.entrySet().iterator().next();
    assertEquals(PlantedAgent.WALL_UNIT, top.getKey(), "ranking " + scores);
    assertTrue(top.getValue() > 0.95, "wall unit score " + top.getValue());
    assertTrue(
        scores.get(PlantedAgent.GHOST_UNIT) < 0.1,
        "ghost unit on walls " + scores.get(PlantedAgent.GHOST_UNIT));
  }

  @Test
  void scoresMatchPlainLoopReference() throws Exception {
    int[] units = {PlantedAgent.GHOST_UNIT, PlantedAgent.WALL_UNIT, 0, 9};
    float[][] activations = referenceActivations(units);
    float[] inputs = new float[RECORDS * GameState.CHANNELS * CELLS];
    Npy.map(workspace.datasetDir("pacman_test").resolve("inputs.npy"))
        .data()
        .asFloatBuffer()
        .get(inputs);
    float[] ghost = new float[RECORDS * CELLS];
    for (int r = 0; r < RECORDS; r++) {
      System.arraycopy(
          inputs, (r * GameState.CHANNELS + GameState.GHOST) * CELLS, ghost, r * CELLS, CELLS);
    }
    String sql =
        """
        SELECT b.unit, local_iou(b.behavior, a.annotation) AS iou, corr(b.behavior, a.annotation) AS r
        FROM deepbase.behaviors b JOIN deepbase.annotations a
          ON a.dataset = b.dataset AND a.record_id = b.record_id AND a.symbol = b.symbol
        WHERE b.model = 'planted' AND b.layer = 'conv1' AND b.unit IN (3, 7, 0, 9) AND a.hypothesis = 'ghost'
        GROUP BY b.unit""";
    Map<Integer, double[]> actual = new LinkedHashMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        actual.put(rs.getInt(1), new double[] {rs.getDouble(2), rs.getDouble(3)});
      }
    }
    assertEquals(4, actual.size());
    for (int i = 0; i < units.length; i++) {
      double iou = referenceLocalIou(activations[i], ghost, 0.995);
      double r = referencePearson(activations[i], ghost);
      assertEquals(iou, actual.get(units[i])[0], 1e-6, "local_iou of unit " + units[i]);
      assertEquals(r, actual.get(units[i])[1], 1e-6, "corr of unit " + units[i]);
    }
    assertTrue(actual.get(PlantedAgent.GHOST_UNIT)[1] > 0.99, "planted ghost unit correlates");
  }

  /**
   * Runs conv1 directly in DJL (no DeepBase extraction code) and returns [unit][record * 285 +
   * symbol].
   */
  static float[][] referenceActivations(int[] units) throws Exception {
    float[][] out = new float[units.length][RECORDS * CELLS];
    var model = workspace.model("planted");
    try (DjlModel loaded = DjlModel.load(model, workspace.checkpoint("planted", 1));
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      float[] inputs = new float[RECORDS * GameState.CHANNELS * CELLS];
      Npy.map(workspace.datasetDir("pacman_test").resolve("inputs.npy"))
          .data()
          .asFloatBuffer()
          .get(inputs);
      NDArray x = manager.create(inputs, Architecture.inputShape(model, RECORDS));
      float[] all =
          loaded
              .layers()
              .get(0)
              .forward(loaded.parameters(), new NDList(x), false)
              .singletonOrThrow()
              .toFloatArray();
      for (int i = 0; i < units.length; i++) {
        for (int r = 0; r < RECORDS; r++) {
          System.arraycopy(all, (r * 16 + units[i]) * CELLS, out[i], r * CELLS, CELLS);
        }
      }
    }
    return out;
  }

  static double referenceLocalIou(float[] values, float[] mask, double q) {
    long intersection = 0;
    long union = 0;
    for (int r = 0; r < RECORDS; r++) {
      float[] sorted = Arrays.copyOfRange(values, r * CELLS, (r + 1) * CELLS);
      Arrays.sort(sorted);
      double pos = q * (CELLS - 1);
      int lo = (int) pos;
      double t = sorted[lo] + (pos - lo) * (sorted[Math.min(lo + 1, CELLS - 1)] - sorted[lo]);
      for (int s = 0; s < CELLS; s++) {
        boolean fire = values[r * CELLS + s] > t;
        boolean on = mask[r * CELLS + s] == 1f;
        intersection += fire && on ? 1 : 0;
        union += fire || on ? 1 : 0;
      }
    }
    return union == 0 ? 0 : (double) intersection / union;
  }

  static double referencePearson(float[] x, float[] y) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= x.length;
    my /= y.length;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  @Test
  void layerAndUnitPredicatesArePushedIntoTheScan() throws Exception {
    String sql =
        "SELECT record_id, symbol, behavior FROM deepbase.behaviors "
            + "WHERE model = 'planted' AND layer = 'conv1' AND unit = 14";
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      String plan;
      try (ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
        rs.next();
        plan = rs.getString(1);
      }
      assertTrue(
          plan.contains("filters=[[AND(=($0, 'planted'), =($2, 'conv1'), =($3, 14))]]"), plan);
      assertFalse(plan.contains("EnumerableFilter") || plan.contains("BindableFilter"), plan);
      long passes = METRICS.forwardPasses();
      long layerForwards = METRICS.layerForwards();
      long rows = 0;
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          rows++;
        }
      }
      long batches = (RECORDS + 127) / 128;
      assertEquals(RECORDS * CELLS, rows, "one unit's values only");
      assertEquals(batches, METRICS.forwardPasses() - passes, "one forward pass per batch");
      assertEquals(batches, METRICS.layerForwards() - layerForwards, "the pass stops after conv1");
    }
  }

  @Test
  void catalogTablesDescribeTheWorkspace() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      List<String> layers = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT layer, shape, unit_count FROM layers WHERE model = 'planted' ORDER BY layer_index")) {
        while (rs.next()) {
          layers.add(rs.getString(1) + rs.getString(2) + rs.getInt(3));
        }
      }
      assertEquals(
          List.of(
              "conv1[16, 15, 19]16",
              "conv2[32, 15, 19]32",
              "conv3[32, 15, 19]32",
              "pool[32]32",
              "fc1[64]64",
              "out[4]4"),
          layers);
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*) FROM units WHERE model = 'planted' AND layer = 'conv2'")) {
        rs.next();
        assertEquals(32, rs.getInt(1));
      }
      try (ResultSet rs =
          s.executeQuery("SELECT record_count FROM datasets WHERE dataset = 'pacman_test'")) {
        rs.next();
        assertEquals(RECORDS, rs.getInt(1));
      }
      try (ResultSet rs =
          s.executeQuery("SELECT count(*) FROM hypotheses WHERE hypothesis LIKE 'ghost%'")) {
        rs.next();
        assertEquals(6, rs.getInt(1), "ghost, ghost_1, 2, 4, 8 and ghost_adjacent");
      }
      // ghost_adjacent and pacman_adjacent: the road cells one move from the character, per record.
      for (String character : java.util.List.of("ghost", "pacman")) {
        for (int record = 0; record < 5; record++) {
          var state = org.deepbase.queries.pacman.DatasetGenerator.record(11, record).state();
          int cell = character.equals("ghost") ? state.ghost() : state.pacman();
          java.util.Set<Integer> expected = new java.util.TreeSet<>();
          for (var m : org.deepbase.queries.pacman.Move.values()) {
            if (state.maze().canMove(cell, m)) {
              expected.add(m.from(cell, 19));
            }
          }
          java.util.Set<Integer> got = new java.util.TreeSet<>();
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT symbol FROM annotations WHERE dataset = 'pacman_test' AND record_id = "
                      + record
                      + " AND hypothesis = '"
                      + character
                      + "_adjacent' AND annotation = 1")) {
            while (rs.next()) {
              got.add(rs.getInt(1));
            }
          }
          assertEquals(expected, got, character + "_adjacent of record " + record);
        }
      }
    }
  }

  static String error(String sql) {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection c = connect();
                  Statement s = c.createStatement();
                  ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                  // drain: some errors surface while rows stream
                }
              }
            });
    return chain(e);
  }

  /** Returns the messages of an exception and its causes. */
  static String chain(Throwable e) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append(" | ");
    }
    return messages.toString();
  }

  @Test
  void badInputGetsAnErrorNamingTheProblem() {
    String scan = "SELECT count(*) FROM deepbase.behaviors WHERE ";
    assertTrue(error(scan + "model = 'nosuch'").contains("UNKNOWN_MODEL: unknown model 'nosuch'"));
    assertTrue(
        error(scan + "model = 'planted' AND layer = 'conv9'")
            .contains("UNKNOWN_LAYER: model 'planted' has no layer 'conv9'"));
    assertTrue(
        error(scan + "model = 'planted' AND layer = 'conv1' AND unit = 16")
            .contains(
                "UNIT_OUT_OF_RANGE: unit 16 is out of range for layer 'conv1' of model 'planted', which has 16 units"));
    assertTrue(
        error(scan + "model = 'planted' AND checkpoint = 99")
            .contains("UNKNOWN_CHECKPOINT: model 'planted' has no checkpoint 99"));
    assertTrue(
        error("SELECT count(*) FROM annotations WHERE hypothesis = 'banshee'")
            .contains("UNKNOWN_HYPOTHESIS: unknown hypothesis 'banshee'"));
    String shape = error(GHOST_QUERY.formatted("bad_shape"));
    assertTrue(
        shape.contains("SHAPE_MISMATCH: hypothesis 'bad_shape' returned 100 values")
            && shape.contains("expected symbol shape [15, 19] = 285 values"),
        shape);
    assertTrue(
        error("SELEC * FROM models").contains("parse failed"), "SQL syntax errors pass through");
    SQLException missing =
        assertThrows(
            SQLException.class,
            () -> DriverManager.getConnection("jdbc:deepbase:" + dir.resolve("no-such-workspace")));
    assertTrue(missing.getMessage().contains("no DeepBase workspace at"), missing.getMessage());
  }
}
