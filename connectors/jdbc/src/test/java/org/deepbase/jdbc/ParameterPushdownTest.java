package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ?} parameters narrow the extraction like literals (issue 15: a prepared {@code WHERE model
 * = ? AND checkpoint = ? AND layer = ?} extracted everything): the same rows and the same number of
 * forward passes, far fewer than an unrestricted scan.
 */
class ParameterPushdownTest {
  /** Counts the forward passes of this class's connections. */
  static final ExtractionMetrics METRICS = new ExtractionMetrics();

  static final String WHERE =
      " FROM behaviors WHERE model = %s AND checkpoint = %s AND layer = %s AND unit = %s "
          + "AND dataset = %s AND record_id = %s";

  @TempDir static Path dir;

  @BeforeAll
  static void workspace() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 43, 1200);
  }

  static String[] run(Connection c, String sql, Object... parameters) throws Exception {
    long before = METRICS.forwardPasses();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        p.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = p.executeQuery()) {
        assertTrue(rs.next());
        return new String[] {
          rs.getString(1) + "|" + rs.getString(2), String.valueOf(METRICS.forwardPasses() - before)
        };
      }
    }
  }

  @Test
  void parametersNarrowTheExtractionLikeLiterals() throws Exception {
    try (Connection c = Metered.connect(dir, METRICS)) {
      String[] literal =
          run(
              c,
              "SELECT COUNT(*), SUM(behavior)"
                  + String.format(WHERE, "'pacman'", "1", "'conv1'", "3", "'pacman_test'", "1000"));
      String[] parameters =
          run(
              c,
              "SELECT COUNT(*), SUM(behavior)" + String.format(WHERE, "?", "?", "?", "?", "?", "?"),
              "pacman",
              1,
              "conv1",
              3,
              "pacman_test",
              1000);
      String[] unrestricted =
          run(
              c,
              "SELECT COUNT(*), SUM(behavior) FROM behaviors WHERE model = 'pacman' "
                  + "AND layer = 'conv1' AND unit = 3");
      System.out.printf(
          "forward passes: literals %s, parameters %s, all records %s%n",
          literal[1], parameters[1], unrestricted[1]);
      assertEquals(literal[0], parameters[0], "the same rows");
      assertTrue(literal[0].startsWith("285|"), "one record of 15 x 19 symbols: " + literal[0]);
      assertEquals(literal[1], parameters[1], "the same extraction");
      assertTrue(
          Integer.parseInt(parameters[1]) < Integer.parseInt(unrestricted[1]),
          "parameters pushed: " + parameters[1] + " vs " + unrestricted[1]);
      // Re-executed with other values, the prepared statement reads the new record.
      String[] other =
          run(
              c,
              "SELECT COUNT(*), SUM(behavior)" + String.format(WHERE, "?", "?", "?", "?", "?", "?"),
              "pacman",
              1,
              "conv1",
              3,
              "pacman_test",
              5);
      String[] otherLiteral =
          run(
              c,
              "SELECT COUNT(*), SUM(behavior)"
                  + String.format(WHERE, "'pacman'", "1", "'conv1'", "3", "'pacman_test'", "5"));
      assertEquals(otherLiteral[0], other[0]);
    }
  }

  @Test
  void inspectTakesParametersForEveryArgument() throws Exception {
    String literal =
        "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', hypotheses => 'ghost', "
            + "measures => 'local_iou', dataset => 'pacman_test', max_records => 200)) ORDER BY unit";
    String prepared =
        "SELECT unit, score FROM TABLE(inspect(models => ?, units => ?, hypotheses => ?, measures => ?, "
            + "dataset => ?, max_records => ?)) ORDER BY unit";
    try (Connection c = Metered.connect(dir, METRICS);
        Statement s = c.createStatement();
        PreparedStatement p = c.prepareStatement(prepared)) {
      java.util.List<String> expected = rows(s.executeQuery(literal));
      Object[] values = {"pacman", "conv1.*", "ghost", "local_iou", "pacman_test", 200};
      for (int i = 0; i < values.length; i++) {
        p.setObject(i + 1, values[i]);
      }
      java.util.List<String> actual = rows(p.executeQuery());
      assertEquals(16, expected.size());
      assertEquals(expected, actual, "INSPECT with ? arguments answers like with literals");
    }
  }

  /**
   * The relational form of an inspection with {@code ?} filters plans to the fused operator, as
   * with literals (it ran as a join of two scans, 6-38x slower): EXPLAIN shows it with the filters'
   * parameters, the rows and forward passes equal the literal query's, and another execution binds
   * other values.
   */
  @Test
  void theRelationalFormFusesWithParameters() throws Exception {
    String query =
        "SELECT b.unit, local_iou(b.behavior, a.annotation) AS score, corr(b.behavior, a.annotation)"
            + " AS r FROM behaviors b JOIN annotations a ON a.dataset = b.dataset"
            + " AND a.record_id = b.record_id AND a.symbol = b.symbol WHERE b.model = %s"
            + " AND b.checkpoint = %s AND b.layer = %s AND b.dataset = %s AND a.hypothesis = %s"
            + " GROUP BY b.unit ORDER BY b.unit";
    String literal = String.format(query, "'pacman'", "1", "'conv1'", "'pacman_test'", "'%s'");
    String prepared = String.format(query, "?", "?", "?", "?", "?");
    try (Connection c = Metered.connect(dir, METRICS);
        Statement s = c.createStatement();
        PreparedStatement p = c.prepareStatement(prepared);
        PreparedStatement explain = c.prepareStatement("EXPLAIN PLAN FOR " + prepared)) {
      Object[] values = {"pacman", 1, "conv1", "pacman_test", "ghost"};
      for (int i = 0; i < values.length; i++) {
        explain.setObject(i + 1, values[i]);
      }
      String plan = String.join("\n", rows(explain.executeQuery()));
      assertTrue(
          plan.contains("FusedInspection(filters=[")
              && plan.contains("=(b.model, ?0)")
              && plan.contains("=(a.hypothesis, ?4)")
              && !plan.contains("TableScan"),
          plan);
      for (String hypothesis : java.util.List.of("ghost", "ghost_1")) {
        long before = METRICS.forwardPasses();
        java.util.List<String> expected = rows(s.executeQuery(String.format(literal, hypothesis)));
        long literalPasses = METRICS.forwardPasses() - before;
        values[4] = hypothesis;
        for (int i = 0; i < values.length; i++) {
          p.setObject(i + 1, values[i]);
        }
        before = METRICS.forwardPasses();
        java.util.List<String> actual = rows(p.executeQuery());
        long preparedPasses = METRICS.forwardPasses() - before;
        assertEquals(16, expected.size());
        assertEquals(expected, actual, "the same scores for " + hypothesis);
        assertEquals(literalPasses, preparedPasses, "the same extraction for " + hypothesis);
      }
      // Values that select nothing: no rows, as the relational form answers.
      values[4] = "ghost";
      values[2] = "no_such_layer_but_valid_name";
      for (int i = 0; i < values.length; i++) {
        p.setObject(i + 1, values[i]);
      }
      java.sql.SQLException unknown =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.sql.SQLException.class, () -> rows(p.executeQuery()));
      assertTrue(unknown.getMessage().contains("no_such_layer"), unknown.getMessage());
    }
  }

  @Test
  void probeTakesParameters() throws Exception {
    String literal =
        "SELECT * FROM TABLE(probe(model => 'pacman', layer => 'conv1', hypothesis => 'ghost', "
            + "dataset => 'pacman_test', max_samples => 2000))";
    String prepared =
        "SELECT * FROM TABLE(probe(model => ?, layer => ?, hypothesis => ?, dataset => ?, max_samples => ?))";
    try (Connection c = Metered.connect(dir, METRICS);
        Statement s = c.createStatement();
        PreparedStatement p = c.prepareStatement(prepared)) {
      Object[] values = {"pacman", "conv1", "ghost", "pacman_test", 2000};
      for (int i = 0; i < values.length; i++) {
        p.setObject(i + 1, values[i]);
      }
      assertEquals(
          rows(s.executeQuery(literal)),
          rows(p.executeQuery()),
          "probe with ? arguments answers like literals");
    }
  }

  static java.util.List<String> rows(ResultSet rs) throws Exception {
    java.util.List<String> rows = new java.util.ArrayList<>();
    try (rs) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder line = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          line.append(rs.getString(i)).append('|');
        }
        rows.add(line.toString());
      }
    }
    assertTrue(!rows.isEmpty());
    return rows;
  }
}
