package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.DatasetGenerator;
import org.deepbase.queries.pacman.PacmanWorkspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planted PacMan agent as a DJL checkpoint and carried over to TorchScript
 * (tools/pacman_torchscript.py, weights from the DJL checkpoint): the same query gives the same
 * scores.
 */
class PacmanTorchScriptTest {
  @TempDir static Path dir;

  @BeforeAll
  static void workspace() throws Exception {
    Workspace workspace = new Workspace(dir);
    DatasetGenerator.write(
        workspace.datasetDir(PacmanWorkspace.TEST), PacmanWorkspace.TEST, 11, 300);
    TorchFixtures.install(dir, "pacman/models/planted", "pacman/models/planted_ts");
  }

  @Test
  void torchScriptAgentScoresEqualTheDjlAgent() throws SQLException {
    Map<String, Double> djl = scores("planted");
    Map<String, Double> torch = scores("planted_ts");
    assertEquals((16 + 32) * 2 * 3, djl.size());
    assertEquals(djl.keySet(), torch.keySet());
    for (Map.Entry<String, Double> e : djl.entrySet()) {
      assertEquals(e.getValue(), torch.get(e.getKey()), 1e-6, e.getKey());
    }
    assertEquals(1.0, djl.get("conv1." + PlantedAgent.GHOST_UNIT + " ghost local_iou"), 1e-9);
  }

  private static Map<String, Double> scores(String model) throws SQLException {
    Map<String, Double> out = new TreeMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect("
                    + "models => '"
                    + model
                    + "', units => 'conv1.*,conv2.*', hypotheses => 'ghost,walls', "
                    + "measures => 'local_iou,corr,iou', dataset => 'pacman_test', exact => true))")) {
      while (rs.next()) {
        out.put(
            rs.getString(1) + "." + rs.getInt(2) + " " + rs.getString(3) + " " + rs.getString(4),
            rs.getDouble(5));
      }
    }
    return out;
  }
}
