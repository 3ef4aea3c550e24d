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

  /**
   * The rows of docs/errors.md about INSPECT's arguments: each names the argument and its value.
   */
  @Test
  void everyInspectArgumentNamesWhatIsWrong() throws Exception {
    String ok = String.format(INSPECT, "pacman", "conv1.*", "");
    assertState(
        "42704",
        ok.replace("hypotheses => 'ghost'", "hypotheses => 'banshee'"),
        "UNKNOWN_HYPOTHESIS: unknown hypothesis 'banshee'");
    assertState(
        "42704",
        ok.replace("'pacman_test'", "'nosuch'"),
        "UNKNOWN_DATASET: unknown dataset 'nosuch'");
    assertState("42704", String.format(INSPECT, "pacman@9", "conv1.*", ""), "UNKNOWN_CHECKPOINT");
    assertState(
        "22003",
        String.format(INSPECT, "pacman", "conv1.99", ""),
        "UNIT_OUT_OF_RANGE: unit 99 is out of range for layer 'conv1'");
    assertState(
        "22003",
        String.format(INSPECT, "pacman", "conv1.-2", ""),
        "UNIT_OUT_OF_RANGE: unit -2 is out of range for layer 'conv1'");
    assertState(
        "22023",
        ok.replace("measures => 'local_iou'", "measures => 'iuo'"),
        "unknown measure 'iuo'");
    assertState(
        "22023",
        String.format(INSPECT, "pacman", "conv1", ""),
        "units item 'conv1' must be layer.* or layer.N");
    assertState(
        "22023",
        String.format(INSPECT, "pacman@x", "conv1.*", ""),
        "bad checkpoint in 'pacman@x': 'x' is not a number");
    assertState(
        "22023",
        String.format(INSPECT, "pacman", "conv1.*", ", tolerance => -0.5"),
        "tolerance must be positive");
    assertState(
        "22023",
        String.format(INSPECT, "pacman", "conv1.*", ", top_k => -1"),
        "top_k must be >= 0");
  }
}
