package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.Agent;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probing classifiers through SQL, on the planted model and on an untrained control. */
class ProbeQueryTest {
  @TempDir static Path dir;

  @BeforeAll
  static void createWorkspace() throws Exception {
    Workspace workspace = PlantedAgent.workspace(dir, "planted", 13, 150);
    Agent.writeUntrained(workspace.modelDir("untrained"), "untrained", 3);
  }

  /** Returns measure (or "importance.UNIT") to score. */
  static Map<String, Double> probe(String model, String hypothesis) throws SQLException {
    Map<String, Double> scores = new HashMap<>();
    String sql =
        "SELECT unit, \"measure\", score FROM TABLE(probe(model => '"
            + model
            + "', layer => 'conv1', "
            + "hypothesis => '"
            + hypothesis
            + "', dataset => 'pacman_test', max_samples => 8000))";
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        int unit = rs.getInt(1);
        scores.put(rs.wasNull() ? rs.getString(2) : "importance." + unit, rs.getDouble(3));
      }
    }
    return scores;
  }

  @Test
  void probeOnThePlantedLayerIsNearPerfectAndPointsAtTheGhostUnit() throws Exception {
    Map<String, Double> scores = probe("planted", "ghost");
    assertTrue(
        scores.get("probe_accuracy") > 0.98, "balanced accuracy " + scores.get("probe_accuracy"));
    assertTrue(scores.get("probe_f1") > 0.95, "macro F1 " + scores.get("probe_f1"));
    double ghost = scores.get("importance." + PlantedAgent.GHOST_UNIT);
    for (int u = 0; u < 16; u++) {
      if (u != PlantedAgent.GHOST_UNIT) {
        assertTrue(
            ghost > scores.get("importance." + u),
            "unit " + u + " outweighs the ghost unit: " + scores);
      }
    }
    assertEquals(16 + 2, scores.size(), "two layer rows, one row per unit");
  }

  @Test
  void controlTaskOnAnUntrainedModelScoresNearChance() throws Exception {
    Map<String, Double> scores = probe("untrained", "control_random");
    assertEquals(0.5, scores.get("probe_accuracy"), 0.05, "balanced accuracy on coin-flip labels");
  }
}
