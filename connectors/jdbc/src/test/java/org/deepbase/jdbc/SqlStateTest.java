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

  /**
   * Runs a statement (DDL cannot be prepared) and reads its rows, expecting an error with this
   * state and these parts in its message.
   */
  static void assertFails(Statement s, String state, String sql, String... inMessage) {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                  while (rs.next()) {
                    // errors may come while reading
                  }
                }
              }
            },
            sql);
    assertEquals(state, e.getSQLState(), sql + ": " + e.getMessage());
    for (String part : inMessage) {
      assertTrue(e.getMessage().contains(part), sql + ": " + e.getMessage());
    }
  }

  @Test
  void ddlErrorsNameTheProblemAndLeaveNothingHalfMade() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement()) {
      assertFails(s, "42S01", "CREATE VIEW models AS SELECT 1 AS one", "'models' is a built-in");
      assertFails(s, "42S02", "DROP VIEW nosuch", "no view named 'nosuch'");
      assertFails(s, "42S02", "DROP TABLE nosuch", "no stored table named 'nosuch'");
      s.execute("CREATE TABLE ddl_t AS SELECT 1 AS one");
      assertFails(s, "42S01", "CREATE TABLE ddl_t AS SELECT 2 AS two", "already exists");
      assertFails(s, "42S01", "CREATE VIEW ddl_t AS SELECT 2 AS two", "already exists");
      s.execute("DROP TABLE ddl_t");
      assertFails(
          s,
          "42000",
          "CREATE VIEW ddl_v AS SELECT * FROM nosuch_table",
          "invalid view query: Error while executing SQL \"SELECT * FROM nosuch_table\"");
      assertFails(s, "42601", "CREATE VIEW ddl_v AS SELEC 1", "invalid view query");
      assertFails(s, "42602", "CREATE VIEW \"a-b\" AS SELECT 1 AS one", "is not a valid name");
      assertFails(s, "42602", "DROP TABLE 9lives", "is not a valid name");
      assertFails(s, "42601", "CREATE VIEW ddl_v AS", "needs AS and a query");
      assertFails(
          s,
          "42704",
          "CREATE TABLE ddl_t2 AS " + String.format(INSPECT, "banshee", "conv1.*", ""),
          "unknown model 'banshee'");
      // None of the failures left an object behind.
      assertFails(s, "42S02", "DROP VIEW ddl_v", "no view named");
      assertFails(s, "42S02", "DROP TABLE ddl_t2", "no stored table named");
    }
  }

  @Test
  void damagedFilesAreNamedAndHideOnlyThemselves(@TempDir Path other) throws Exception {
    PlantedAgent.workspace(other, "pacman", 41, 10);
    Path models = other.resolve("models");
    java.nio.file.Files.createDirectories(models.resolve("broken"));
    java.nio.file.Files.writeString(
        models.resolve("broken/model.json"), "{\"name\": \"broken\", \"format\": ");
    java.nio.file.Files.createDirectories(models.resolve("torn"));
    java.nio.file.Files.writeString(
        models.resolve("torn/model.json"),
        java.nio.file.Files.readString(models.resolve("pacman/model.json"))
            .replaceFirst("\"name\"\\s*:\\s*\"pacman\"", "\"name\": \"torn\""));
    byte[] params;
    try (var files = java.nio.file.Files.list(models.resolve("pacman"))) {
      params =
          java.nio.file.Files.readAllBytes(
              files.filter(f -> f.toString().endsWith(".params")).findFirst().orElseThrow());
    }
    java.nio.file.Files.write(
        models.resolve("torn/torn-0001.params"), java.util.Arrays.copyOf(params, 3000));
    byte[] garbage = new byte[5000];
    new java.util.Random(3).nextBytes(garbage);
    java.nio.file.Files.write(other.resolve("garbage.npz"), garbage);
    String inspect =
        "SELECT * FROM TABLE(inspect(models => '%s', units => 'conv1.*', hypotheses => 'ghost',"
            + " measures => 'corr', dataset => 'pacman_test'))";
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + other);
        Statement s = c.createStatement()) {
      java.util.Set<String> listed = new java.util.TreeSet<>();
      try (ResultSet rs = s.executeQuery("SELECT DISTINCT model FROM models")) {
        while (rs.next()) {
          listed.add(rs.getString(1));
        }
      }
      assertEquals(java.util.Set.of("pacman", "torn"), listed, "the other models answer");
      assertEquals(
          16,
          PersistenceTest.count(
              s, "SELECT count(*) FROM " + String.format(inspect, "pacman").substring(14)));
      assertFails(
          s,
          "58030",
          String.format(inspect, "broken"),
          "BAD_WORKSPACE: cannot read ",
          "broken/model.json");
      assertFails(
          s,
          "58000",
          String.format(inspect, "torn"),
          "MODEL_LOAD_FAILED: cannot load model 'torn' checkpoint 1",
          "damaged or truncated");
      String register = "SELECT * FROM TABLE(register_dataset(name => 'g', path => '%s'))";
      assertFails(
          s,
          "22000",
          String.format(register, other.resolve("garbage.npz")),
          "BAD_DATA: cannot read " + other.resolve("garbage.npz"));
      assertTrue(
          !java.nio.file.Files.exists(other.resolve("datasets/g")),
          "a failed registration leaves nothing");
      assertFails(s, "22023", String.format(register, other.resolve("nosuch.npz")), "no file at");
    }
  }
}
