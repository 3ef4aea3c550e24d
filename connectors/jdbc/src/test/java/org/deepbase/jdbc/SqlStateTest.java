package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input gets a SQLState from the standard classes, through statements and prepared
 * statements.
 */
class SqlStateTest {
  static final String INSPECT =
      "SELECT * FROM TABLE(inspect(models => '%s', units => '%s', hypotheses => 'ghost', "
          + "measures => 'local_iou', dataset => 'pacman_test'%s))";

  @TempDir static Path dir;

  @BeforeAll
  static void workspace() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 41, 20);
  }

  static void assertState(String state, String sql, String inMessage) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
      SQLException statement =
          assertThrows(
              SQLException.class,
              () -> {
                try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                  while (rs.next()) {
                    // errors may come while reading
                  }
                }
              },
              sql);
      assertEquals(state, statement.getSQLState(), sql + ": " + statement.getMessage());
      assertTrue(statement.getMessage().contains(inMessage), statement.getMessage());
      SQLException prepared =
          assertThrows(
              SQLException.class,
              () -> {
                try (PreparedStatement p = c.prepareStatement(sql);
                    ResultSet rs = p.executeQuery()) {
                  while (rs.next()) {
                    // errors may come while reading
                  }
                }
              },
              sql);
      assertEquals(state, prepared.getSQLState(), "prepared " + sql + ": " + prepared.getMessage());
    }
  }

  @Test
  void unknownObjectsAre42704() throws Exception {
    assertState(
        "42704",
        String.format(INSPECT, "banshee", "conv1.*", ""),
        "UNKNOWN_MODEL: unknown model 'banshee'");
    assertState("42704", String.format(INSPECT, "pacman", "conv9.*", ""), "UNKNOWN_LAYER");
  }

  @Test
  void badValuesAre22xxxAndLimits53000() throws Exception {
    assertState(
        "22023",
        String.format(INSPECT, "pacman", "conv1.*", "").replace("'pacman_test'", "'../x'"),
        "not a valid name");
    assertState(
        "22023",
        String.format(INSPECT, "pacman", "conv1.*", "").replace(", dataset => 'pacman_test'", ""),
        "missing: dataset");
    assertState(
        "53000",
        String.format(INSPECT, "pacman", "conv1.*", ", batch_size => 1000000000"),
        "batch_size 1000000000");
  }

  @Test
  void syntaxAndValidationErrorsAre42xxx() throws Exception {
    assertState("42601", "SELEC 1", "SELEC");
    assertState("42000", "SELECT * FROM no_such_table", "no_such_table");
  }
}
