package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.Agent;
import org.deepbase.queries.pacman.PacmanWorkspace;
import org.deepbase.queries.pacman.SavedQueries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's first session: a fresh workspace, the driver found by DriverManager, the ghost query.
 */
class PacmanJdbcTest {
  @Test
  void ghostQueryOverATrainedAgentThroughDriverManager(@TempDir Path dir) throws Exception {
    PacmanWorkspace.create(
        new Workspace(dir),
        new PacmanWorkspace.Plan(2000, 200, new Agent.Settings(2, 64, 2e-3f, 7)));
    // No Class.forName: the driver must register through META-INF/services/java.sql.Driver.
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT checkpoint, latest FROM models WHERE model = 'pacman' ORDER BY checkpoint")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
        rs.next();
        assertEquals(2, rs.getInt(1));
        assertTrue(rs.getBoolean(2), "the last epoch is the latest checkpoint");
      }
      String sql = SavedQueries.load("ghost_units", Map.of("checkpoint", "2"));
      Set<String> units = new HashSet<>();
      double previous = Double.MAX_VALUE;
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          units.add(rs.getString("layer") + "." + rs.getInt("unit"));
          double score = rs.getDouble("score");
          assertTrue(score >= 0 && score <= 1, "IoU in [0, 1]: " + score);
          assertTrue(score <= previous, "ordered by score");
          previous = score;
        }
      }
      assertEquals(16 + 32 + 32, units.size(), "one row per unit of conv1, conv2 and conv3");
    }
    assertEquals(0, Allocators.allocatedBytes(), "the scan closed its Arrow allocator");
  }
}
